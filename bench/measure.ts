/**
 * The measuring half of `npm run bench`: benny (Benchmark.js) suites run round-robin,
 * benny's own output kept, per-round medians, and ratios between two cases taken in the
 * same round (these machines are noisy; a ratio of neighbours is far steadier than
 * either figure). Host time is measured only in bench/.
 */
import { add, complete, configure, cycle, suite } from 'benny';
import type { Report } from '../src/index';

export interface CaseSpec {
  readonly name: string;
  /** Which suite (group) the case runs in; benny reports fastest/slowest per suite. */
  readonly group: string;
  readonly unit: string;
  /** Units done by one measured call. */
  readonly units: number;
  readonly fn: () => unknown;
  /** A report of the same (deterministic) run, for the simulated figures (null: not a simulation). */
  readonly report: Report | null;
}

export interface CaseOptions {
  readonly minSamples: number;
  readonly maxTime: number;
}

/** Per case, per round: ns per unit (the round's median sample ÷ units). */
export type Rounds = Map<string, number[]>;

export interface BennyLine {
  readonly suite: string;
  readonly text: string;
}

/** Run each group of `cases` as one benny suite; append each case's ns/unit for this round. */
export async function runRound(cases: readonly CaseSpec[], opts: CaseOptions, into: Rounds, benny: BennyLine[]): Promise<void> {
  const groups = [...new Set(cases.map((c) => c.group))];
  for (const g of groups) {
    const mine = cases.filter((c) => c.group === g);
    await suite(
      g,
      configure({ cases: opts }),
      ...mine.map((c) => add(c.name, c.fn)),
      cycle((r) => {
        const c = mine.find((x) => x.name === r.name) as CaseSpec;
        return `  ${r.name}: ${fmt((median(r.details.sampleResults) * 1e9) / c.units)} ns/${c.unit} (${r.samples} samples, ±${r.margin.toFixed(2)}%)`;
      }),
      complete((s) => {
        for (const r of s.results) {
          const c = mine.find((x) => x.name === r.name) as CaseSpec;
          const list = into.get(r.name) ?? [];
          list.push((median(r.details.sampleResults) * 1e9) / c.units);
          into.set(r.name, list);
          benny.push({ suite: g, text: `${r.name}: ${r.ops.toLocaleString('en-US')} ops/s ±${r.margin.toFixed(2)}%` });
        }
        benny.push({ suite: g, text: `fastest: ${s.fastest.name}, slowest: ${s.slowest.name}` });
      }),
    );
  }
}

export function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** Median over rounds of a case's ns/unit. */
export function nsOf(m: Rounds, name: string): number {
  const r = m.get(name);
  if (r === undefined) throw new Error(`bench: no result for ${name}`);
  return median(r);
}

/** Median over rounds of (a / b) taken within each round. */
export function ratioOf(m: Rounds, a: string, b: string): number {
  const ra = m.get(a);
  const rb = m.get(b);
  if (ra === undefined || rb === undefined) throw new Error(`bench: no result for ${ra === undefined ? a : b}`);
  return median(ra.map((x, i) => x / (rb[i] as number)));
}

/** (max − min) / median of a case's per-round figures, in %. */
export function spreadOf(m: Rounds, name: string): number {
  const r = m.get(name) ?? [];
  return (100 * (Math.max(...r) - Math.min(...r))) / median(r);
}

export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
