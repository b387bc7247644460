/**
 * `npm run races [-- --runs N] [--vcpus 1,2,4] [--only id,id] [--strategies random,pct,exhaustive] [--json]`:
 * the race-finding benchmark of issue 10. Every program of bench/races/programs.ts, on
 * 1, 2 and 4 vCPUs, explored by each strategy with its default options until the first
 * failure or N runs (default 1,000). For each: the run that found it, the shrunk failure's
 * decisions and replay-string length, and whether that string replays to the same
 * failure and names threads by path. Then PCT's measured hit rate against its printed
 * bound on each program, and host throughput (runs/s) of each strategy on a
 * small program.
 *
 * Host time is measured here only (never in the simulator); everything else is the
 * deterministic result of the explorations.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { exhaustive, explore, pct, random, replay } from '../../src/testing/index';
import type { ExploreResult, Scenario, Strategy } from '../../src/testing/index';
import { RACE_PROGRAMS } from './programs';
import type { RaceProgram } from './programs';

const STRATEGIES: Readonly<Record<string, () => Strategy>> = { random: () => random(), pct: () => pct(), exhaustive: () => exhaustive() };

export interface FindRow {
  readonly program: string;
  readonly preemptions: number;
  readonly vcpus: number;
  readonly strategy: string;
  /** The run that first failed (1-based), or null: not found within the budget. */
  readonly foundAt: number | null;
  readonly shrunkEvents: number | null;
  readonly replayLength: number | null;
  /** The shrunk string replays to a failure of the same category, and names threads by path only. */
  readonly replays: boolean | null;
  readonly replay: string | null;
  readonly hostMs: number;
}

/** Explore `s` with `strategy` to the first failure; the row of the result. */
export function findRow(p: RaceProgram, vcpus: number, name: string, runs: number): FindRow {
  const s: Scenario = p.make({ vcpus: vcpus as 1 | 2 | 4 });
  const t0 = performance.now();
  const r: ExploreResult = explore(s, { strategy: (STRATEGIES[name] as () => Strategy)(), runs, stopAtFirst: true });
  const hostMs = performance.now() - t0;
  const f = r.shrunk ?? r.firstFailure;
  let replays: boolean | null = null;
  if (f !== null) {
    const again = replay(p.make({ vcpus: vcpus as 1 | 2 | 4 }), f.replay);
    replays = !again.ok && again.category === f.category && !/@T\d|=T\d/.test(f.replay);
  }
  return {
    program: p.id, preemptions: p.preemptions, vcpus, strategy: name,
    foundAt: r.firstFailure?.run ?? null, shrunkEvents: f?.events ?? null, replayLength: f?.replay.length ?? null,
    replays, replay: f?.replay ?? null, hostMs,
  };
}

export interface BoundRow {
  readonly program: string;
  readonly vcpus: number;
  readonly depth: number;
  readonly runs: number;
  readonly hits: number;
  readonly hitRate: number;
  /** The printed per-run bound, or the reason it is not printed. */
  readonly bound: number | string;
  /**
   * `met`: hit rate >= bound; `consistent`: below it, but as likely as not at that bound
   * for this many runs (Poisson P(X <= hits) >= 0.05: too few runs to tell); `below`: the
   * bound is contradicted; null: no bound printed.
   */
  readonly verdict: 'met' | 'consistent' | 'below' | null;
}

/** P(X <= h) for X ~ Poisson(lambda) (the binomial tail for small p). */
function poissonCdf(h: number, lambda: number): number {
  let term = Math.exp(-lambda);
  let sum = term;
  for (let i = 1; i <= h; i++) {
    term *= lambda / i;
    sum += term;
  }
  return sum;
}

/** PCT with depth d (d = 1 for a bug of 0 preemptions, else 2) for enough runs to test its bound (at most 25,000). */
export function boundRow(p: RaceProgram, vcpus: number): BoundRow {
  const depth = p.preemptions === 0 ? 1 : 2;
  const make = (): Scenario => p.make({ vcpus: vcpus as 1 | 2 | 4 });
  const probe = explore(make(), { strategy: pct({ depth }), runs: 1, shrink: false });
  const pb = probe.stats['perRunBound'];
  const runs = typeof pb === 'number' ? Math.min(25_000, Math.max(200, Math.ceil(10 / pb))) : 200;
  const r = explore(make(), { strategy: pct({ depth }), runs, shrink: false });
  const b = r.stats['perRunBound'] ?? r.stats['bound'] ?? 'none';
  const verdict = typeof b !== 'number' ? null : r.hitRate >= b ? 'met' : poissonCdf(r.failures, r.runs * b) >= 0.05 ? 'consistent' : 'below';
  return { program: p.id, vcpus, depth, runs: r.runs, hits: r.failures, hitRate: r.hitRate, bound: b, verdict };
}

/** Host throughput of each strategy on a small program (account, 1 vCPU, 300 runs, no shrinking). */
export function throughput(runs = 300): { strategy: string; runsPerSecond: number }[] {
  const p = RACE_PROGRAMS.find((x) => x.id === 'account') as RaceProgram;
  return Object.keys(STRATEGIES).map((name) => {
    const strategy = (STRATEGIES[name] as () => Strategy)();
    const t0 = performance.now();
    const r = explore(p.make({ vcpus: 1, fixed: true }), { strategy, runs, shrink: false });
    return { strategy: name, runsPerSecond: (r.runs + 2) / ((performance.now() - t0) / 1_000) };
  });
}

function main(): void {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1000' }, vcpus: { type: 'string', default: '1,2,4' }, only: { type: 'string' },
      strategies: { type: 'string', default: 'random,pct,exhaustive' }, json: { type: 'boolean', default: false },
    },
  });
  const runs = Number(values.runs);
  const vcpus = (values.vcpus as string).split(',').map(Number);
  const names = (values.strategies as string).split(',');
  if (!(runs >= 1) || vcpus.some((v) => ![1, 2, 4].includes(v)) || names.some((n) => STRATEGIES[n] === undefined)) {
    throw new Error('usage: --runs N (>= 1) --vcpus 1,2,4 --strategies random,pct,exhaustive [--only id,...] [--json]');
  }
  const only = values.only?.split(',');
  const programs = RACE_PROGRAMS.filter((p) => only === undefined || only.includes(p.id));
  const rows: FindRow[] = [];
  for (const p of programs) {
    for (const v of vcpus) {
      if (p.multiVcpuOnly === true && v === 1) continue;
      for (const n of names) {
        const row = findRow(p, v, n, runs);
        rows.push(row);
        if (!values.json) {
          console.log(`${p.id.padEnd(16)} ${String(v).padStart(1)} vCPU ${n.padEnd(10)} ${row.foundAt === null ? `not found in ${runs}` : `found at run ${row.foundAt}`}`
            + `${row.shrunkEvents === null ? '' : `, shrunk to ${row.shrunkEvents}, ${row.replayLength} chars, replays ${row.replays === true ? 'yes' : 'NO'}`}  (${(row.hostMs / 1000).toFixed(1)} s)`);
        }
      }
    }
  }
  const bounds: BoundRow[] = [];
  for (const p of programs) for (const v of vcpus) if (!(p.multiVcpuOnly === true && v === 1)) bounds.push(boundRow(p, v));
  const tp = throughput();
  if (values.json) {
    console.log(JSON.stringify({ runs, rows, bounds, throughput: tp }, null, 1));
    return;
  }
  console.log('\nPCT hit rate against its printed bound (d = 1 for a bug of no preemption, else 2; runs: 10/bound, 200 to 25,000):');
  for (const b of bounds) {
    const bound = typeof b.bound === 'number' ? `bound ${b.bound.toExponential(2)}: ${b.verdict === 'met' ? 'met' : b.verdict === 'consistent' ? 'below, but too few runs to tell' : 'BELOW THE BOUND'}` : String(b.bound);
    console.log(`  ${b.program.padEnd(16)} ${b.vcpus} vCPU d=${b.depth}: ${b.hits} of ${b.runs} runs (${(100 * b.hitRate).toFixed(2)}%), ${bound}`);
  }
  console.log('\nthroughput (account, fixed, 1 vCPU, 300 runs):');
  for (const t of tp) console.log(`  ${t.strategy.padEnd(10)} ${t.runsPerSecond.toFixed(0)} runs/s`);
  const missed = rows.filter((r) => r.foundAt === null && r.preemptions <= 2);
  console.log(`\n${rows.filter((r) => r.foundAt !== null).length} of ${rows.length} found; programs of <= 2 preemptions missed: ${missed.length === 0 ? 'none' : missed.map((r) => `${r.program}/${r.vcpus}/${r.strategy}`).join(', ')}`);
}

if (import.meta.url === `file://${process.argv[1]}`) main();
