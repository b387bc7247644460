/**
 * Terminal timeline of a recorded run: a header, a time axis, one line per CPU, an events
 * line, one line per thread, and a legend. Each column is an equal slice of [from, to).
 *
 *  CPU line: per column, what ran most of that column's time (among what the trace covers):
 *            a thread's one-char code, `.` idle, `d` dispatcher, `k` kernel, space unknown.
 *  events:   `x` a fault, `!` an interrupt or injected event, `^` an upcall (that order wins).
 *  thread:   per column, the state it was in most while alive: `#` running, `-` ready,
 *            `_` blocked; space: not alive.
 *
 * Pure string; ANSI colours only with `color: true`.
 */
import { deriveLanes } from './lanes';
import type { Lanes, ThreadState, What } from './lanes';
import type { RunTrace } from './schema';

export interface TextTimelineOptions {
  /** Columns of the timeline body; default 100. */
  readonly width?: number;
  /** Time window (simulated ns); default the whole run. */
  readonly from?: number;
  readonly to?: number;
  /** ANSI colours; default false. */
  readonly color?: boolean;
}

const CODES = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcefghijlmnopqrstuvwxyz0123456789';
const OVERFLOW = '*';

/** The one-char code of the i-th thread lane. */
export function threadCode(i: number): string {
  return CODES[i] ?? OVERFLOW;
}

/** `1.5us`-style times, ASCII only. */
export function formatTime(ns: number): string {
  const a = Math.abs(ns);
  const [v, u] = a >= 1e9 ? [ns / 1e9, 's'] : a >= 1e6 ? [ns / 1e6, 'ms'] : a >= 1e3 ? [ns / 1e3, 'us'] : [ns, 'ns'];
  return `${Number(v.toFixed(a >= 1e3 ? 3 : 1))}${u}`;
}

const ESC = '\u001b[';
const RESET = `${ESC}0m`;
const THREAD_COLOURS = [32, 34, 35, 36, 33, 92, 94, 95, 96, 93];

/** A cell: its char and ANSI colour (null: none). */
type Cell = readonly [string, number | null];

/** Joins cells, one escape sequence per run of one colour (none without `color`). */
function paint(cells: readonly Cell[], color: boolean): string {
  if (!color) return cells.map((c) => c[0]).join('');
  let out = '';
  let cur: number | null = null;
  for (const [ch, code] of cells) {
    const want = ch === ' ' ? null : code;
    if (want !== cur) {
      if (cur !== null) out += RESET;
      if (want !== null) out += `${ESC}${want}m`;
      cur = want;
    }
    out += ch;
  }
  return cur !== null ? out + RESET : out;
}

/** Per column, the key with the largest accumulated weight (first seen wins ties). */
class Columns {
  private readonly weights: Map<string, number>[];
  constructor(readonly width: number, readonly from: number, readonly to: number) {
    this.weights = Array.from({ length: width }, () => new Map<string, number>());
  }

  add(start: number, end: number, key: string): void {
    const s = Math.max(start, this.from);
    const e = Math.min(end, this.to);
    if (e <= s) return;
    const span = (this.to - this.from) / this.width;
    const c0 = Math.max(0, Math.floor((s - this.from) / span));
    const c1 = Math.min(this.width - 1, Math.ceil((e - this.from) / span) - 1);
    for (let c = c0; c <= c1; c++) {
      const cs = this.from + c * span;
      const overlap = Math.min(e, cs + span) - Math.max(s, cs);
      if (overlap <= 0) continue;
      const m = this.weights[c] as Map<string, number>;
      m.set(key, (m.get(key) ?? 0) + overlap);
    }
  }

  /** The column a point in time falls in, or -1 outside [from, to]. */
  column(time: number): number {
    if (time < this.from || time > this.to) return -1;
    const span = (this.to - this.from) / this.width;
    return Math.min(this.width - 1, Math.floor((time - this.from) / span));
  }

  winners(): (string | null)[] {
    return this.weights.map((m) => {
      let best: string | null = null;
      let w = 0;
      for (const [k, v] of m) if (v > w) { best = k; w = v; }
      return best;
    });
  }
}

const WHAT_CHAR: Record<Exclude<What, 'thread'>, string> = { idle: '.', dispatcher: 'd', kernel: 'k' };
const WHAT_COLOUR: Record<Exclude<What, 'thread'>, number> = { idle: 90, dispatcher: 37, kernel: 31 };
const STATE_CHAR: Record<ThreadState, string> = { running: '#', ready: '-', blocked: '_' };
const STATE_COLOUR: Record<ThreadState, number> = { running: 32, ready: 33, blocked: 31 };

/** Control characters (a label could hold an escape sequence) shown as `?`. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

function axis(from: number, to: number, width: number, pad: number): [string, string] {
  const step = width >= 20 ? 10 : Math.max(1, width);
  const nums = Array.from({ length: width + 12 }, () => ' ');
  const ruler: string[] = [];
  for (let c = 0; c < width; c++) ruler.push(c % step === 0 ? '|' : '-');
  for (let c = 0; c < width; c += step) {
    const label = formatTime(from + ((to - from) * c) / width);
    // Skip a label that would run into the previous one.
    if (c > 0 && nums[c - 1] !== ' ') continue;
    for (let i = 0; i < label.length && c + i < nums.length; i++) nums[c + i] = label[i] as string;
  }
  const numLine = nums.join('').trimEnd();
  return [`${'time'.padEnd(pad)} ${numLine}`, `${''.padEnd(pad)} ${ruler.join('')}|`];
}

export function textTimeline(t: RunTrace, o: TextTimelineOptions = {}): string {
  const lanes: Lanes = deriveLanes(t);
  const width = Math.max(1, Math.floor(o.width ?? 100));
  const from = o.from ?? lanes.start;
  let to = o.to ?? lanes.end;
  if (!(to > from)) to = from + 1;
  const color = o.color === true;

  const codes = new Map<string, number>();
  lanes.threads.forEach((th, i) => codes.set(th.key, i));
  const threadName = (i: number): string => {
    const th = lanes.threads[i];
    return th === undefined ? '?' : `${threadCode(i)} ${clean(th.label)}`;
  };
  const names = [
    ...lanes.cpus.map((c) => `cpu${c.cpu}`),
    'events',
    ...lanes.threads.map((_, i) => threadName(i)),
  ];
  const pad = Math.min(24, Math.max(6, ...names.map((n) => n.length)));
  const name = (s: string): string => (s.length > pad ? s.slice(0, pad - 1) + '~' : s.padEnd(pad));

  const out: string[] = [];
  const threadCount = lanes.threads.length;
  out.push(
    `trace ${formatTime(from)} .. ${formatTime(to)}, ${width} cols of ${formatTime((to - from) / width)}, ` +
    `${lanes.cpus.length} CPU${lanes.cpus.length === 1 ? '' : 's'}, ${threadCount} thread${threadCount === 1 ? '' : 's'}` +
    (lanes.dropped > 0 ? `, ${lanes.dropped} earlier records dropped` : ''),
  );
  out.push(...axis(from, to, width, pad));

  for (const lane of lanes.cpus) {
    const cols = new Columns(width, from, to);
    for (const s of lane.segments) {
      const key = s.what === 'thread' ? `t${codes.get(`${s.proc}.${s.thread}`) ?? -1}` : s.what;
      cols.add(s.start, s.end, key);
    }
    const cells = cols.winners().map((k): Cell => {
      if (k === null) return [' ', null];
      if (k.startsWith('t')) {
        const i = Number(k.slice(1));
        return i < 0 ? ['?', null] : [threadCode(i), THREAD_COLOURS[i % THREAD_COLOURS.length] ?? null];
      }
      const w = k as Exclude<What, 'thread'>;
      return [WHAT_CHAR[w], WHAT_COLOUR[w]];
    });
    out.push(`${name(`cpu${lane.cpu}`)} ${paint(cells, color)}|`);
  }

  if (lanes.instants.length > 0) {
    const rank = { upcall: 1, interrupt: 2, fault: 3 } as const;
    const mark = { upcall: '^', interrupt: '!', fault: 'x' } as const;
    const best: number[] = Array.from({ length: width }, () => 0);
    const cells: Cell[] = Array.from({ length: width }, (): Cell => [' ', null]);
    const cols = new Columns(width, from, to);
    for (const ins of lanes.instants) {
      const c = cols.column(ins.time);
      if (c < 0 || rank[ins.type] <= (best[c] ?? 0)) continue;
      best[c] = rank[ins.type];
      cells[c] = [mark[ins.type], ins.type === 'fault' ? 31 : ins.type === 'interrupt' ? 33 : 36];
    }
    out.push(`${name('events')} ${paint(cells, color)}|`);
  }

  lanes.threads.forEach((th, i) => {
    const cols = new Columns(width, from, to);
    for (const s of th.segments) cols.add(s.start, s.end, s.state);
    const cells = cols.winners().map((k): Cell => (k === null ? [' ', null] : [STATE_CHAR[k as ThreadState], STATE_COLOUR[k as ThreadState]]));
    out.push(`${name(threadName(i))} ${paint(cells, color)}|`);
  });

  out.push('');
  out.push('legend: . idle  d dispatcher  k kernel  # running  - ready  _ blocked  ^ upcall  ! interrupt/inject  x fault');
  lanes.threads.forEach((th, i) => {
    const proc = th.process !== null ? `p${th.proc} ${clean(th.process)}` : `p${th.proc}`;
    out.push(`  ${threadCode(i)} = ${clean(th.label)} [${proc}]`);
  });
  if (threadCount > CODES.length) out.push(`  ${OVERFLOW} = any of the threads after the ${CODES.length}th`);
  return out.join('\n') + '\n';
}
