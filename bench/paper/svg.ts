/**
 * A small SVG line plot (no dependencies): axes with ticks, one polyline with markers
 * per series, a legend, and an optional caption under the plot. The output is a
 * deterministic string, so a plot regenerated from the same figures is byte-identical.
 */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface PlotOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Lines of text printed under the plot. */
  readonly caption?: readonly string[];
  /** Dashed reference line, e.g. linear speedup: two points. */
  readonly reference?: { readonly name: string; readonly from: readonly [number, number]; readonly to: readonly [number, number] };
  readonly yMin?: number;
  readonly reverseX?: boolean;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e'];
const MARKS = ['circle', 'square', 'triangle', 'diamond', 'circle'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 10 ? 2 : 1);
}

/** Round tick spacing: 1, 2 or 5 times a power of ten, giving about `n` ticks. */
function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Math.round(v / step) * step);
  return out;
}

export function linePlot(o: PlotOptions): string {
  const W = 640;
  const H = 420;
  const L = 70;
  const R = 200;
  const T = 40;
  const B = 60;
  const capH = (o.caption?.length ?? 0) * 16 + (o.caption !== undefined ? 10 : 0);
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]));
  if (o.reference !== undefined) ys.push(o.reference.from[1], o.reference.to[1]);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const yMin = o.yMin ?? Math.min(0, ...ys);
  const yMax = Math.max(...ys) * 1.05;
  const px = (x: number): number => {
    const f = (x - xMin) / (xMax - xMin || 1);
    return L + (o.reverseX === true ? 1 - f : f) * (W - L - R);
  };
  const py = (y: number): number => H - B - ((y - yMin) / (yMax - yMin || 1)) * (H - T - B);
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + capH}" viewBox="0 0 ${W} ${H + capH}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H + capH}" fill="white"/>`);
  out.push(`<text x="${W / 2 - R / 2 + L / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`);
  out.push(`<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`);
  out.push(`<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`);
  for (const t of ticks(xMin, xMax, Math.min(8, new Set(xs).size))) {
    out.push(`<line x1="${px(t)}" y1="${H - B}" x2="${px(t)}" y2="${H - B + 5}" stroke="black"/>`);
    out.push(`<text x="${px(t)}" y="${H - B + 18}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const t of ticks(yMin, yMax)) {
    out.push(`<line x1="${L - 5}" y1="${py(t)}" x2="${W - R}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 8}" y="${py(t) + 4}" text-anchor="end">${fmt(t)}</text>`);
  }
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  out.push(`<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">${esc(o.yLabel)}</text>`);
  if (o.reference !== undefined) {
    const r = o.reference;
    out.push(`<line x1="${px(r.from[0])}" y1="${py(r.from[1])}" x2="${px(r.to[0])}" y2="${py(r.to[1])}" stroke="#999" stroke-dasharray="5,4"/>`);
  }
  o.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length] as string;
    out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${s.points.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>`);
    for (const p of s.points) out.push(marker(MARKS[i % MARKS.length] as string, px(p[0]), py(p[1]), c));
    const ly = T + 10 + i * 22;
    out.push(marker(MARKS[i % MARKS.length] as string, W - R + 20, ly, c));
    out.push(`<text x="${W - R + 32}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  if (o.reference !== undefined) {
    const ly = T + 10 + o.series.length * 22;
    out.push(`<line x1="${W - R + 12}" y1="${ly}" x2="${W - R + 28}" y2="${ly}" stroke="#999" stroke-dasharray="5,4"/>`);
    out.push(`<text x="${W - R + 32}" y="${ly + 4}">${esc(o.reference.name)}</text>`);
  }
  (o.caption ?? []).forEach((line, i) => out.push(`<text x="${L}" y="${H + 10 + i * 16}" fill="#333">${esc(line)}</text>`));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function marker(kind: string, x: number, y: number, c: string): string {
  const X = x.toFixed(1);
  const Y = y.toFixed(1);
  switch (kind) {
    case 'square':
      return `<rect x="${(x - 4).toFixed(1)}" y="${(y - 4).toFixed(1)}" width="8" height="8" fill="${c}"/>`;
    case 'triangle':
      return `<polygon points="${X},${(y - 5).toFixed(1)} ${(x - 5).toFixed(1)},${(y + 4).toFixed(1)} ${(x + 5).toFixed(1)},${(y + 4).toFixed(1)}" fill="${c}"/>`;
    case 'diamond':
      return `<polygon points="${X},${(y - 5).toFixed(1)} ${(x + 5).toFixed(1)},${Y} ${X},${(y + 5).toFixed(1)} ${(x - 5).toFixed(1)},${Y}" fill="${c}"/>`;
    default:
      return `<circle cx="${X}" cy="${Y}" r="4" fill="${c}"/>`;
  }
}
