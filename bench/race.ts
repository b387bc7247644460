/**
 * Race-finding benchmark (part of `npm run bench`): host time of the explorations the
 * race-testing issue asks for, on the canonical resume window and the planted bank bug.
 * Each exploration runs REPS times; the figure is the median wall time (host clock,
 * measured here only). Runs, failures and the shrunk replay string come from the
 * (deterministic) exploration itself.
 */
import { performance } from 'node:perf_hooks';
import { bank } from '../examples/race-bank';
import { resumeRace } from '../examples/race-resume';
import { exhaustive, explore, pct, random } from '../src/testing/index';
import type { ExploreOptions, ExploreResult, Scenario } from '../src/testing/index';

export interface RaceRow {
  readonly name: string;
  readonly hostMsMedian: number;
  readonly hostMsMin: number;
  readonly runs: number;
  readonly failures: number;
  readonly firstFailureRun: number | null;
  readonly shrunk: string | null;
  readonly note: string;
}

interface Case {
  readonly name: string;
  readonly scenario: () => Scenario;
  readonly options: () => ExploreOptions;
  readonly note: (r: ExploreResult) => string;
}

const CASES: readonly Case[] = [
  {
    name: 'exhaustive, resume window, check off, to the first failure',
    scenario: () => resumeRace({ unsafe: true }),
    options: () => ({ strategy: exhaustive({ bound: 1, windows: ['resume'] }), stopAtFirst: true, invariants: false }),
    note: (r) => `found at placement ${r.firstFailure?.run ?? '-'}, shrunk to ${r.shrunk?.events ?? '-'} event(s)`,
  },
  {
    name: 'exhaustive, resume window, check off, every placement',
    scenario: () => resumeRace({ unsafe: true }),
    options: () => ({ strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false }),
    note: (r) => `${r.failures} of ${r.runs} placements lose a thread`,
  },
  {
    name: 'exhaustive, resume window, check on, every placement',
    scenario: () => resumeRace({ unsafe: false }),
    options: () => ({ strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false }),
    note: (r) => `${r.stats.placements} placements covered, ${r.failures} failures`,
  },
  {
    name: 'pct d=2, resume window, check off, 300 runs',
    scenario: () => resumeRace({ unsafe: true }),
    options: () => ({ strategy: pct({ depth: 2, windows: ['resume'] }), runs: 300, invariants: false }),
    note: (r) => `n ${r.stats.n}, k ${r.stats.k}: hit rate ${(100 * r.hitRate).toFixed(1)}% vs bound ${(100 * (r.stats.perRunBound as number)).toFixed(1)}%, miss bound ${(r.stats.missBound as number).toExponential(1)}`,
  },
  {
    name: 'random at a timer rate (1/50,000 instructions), check off, 300 runs',
    scenario: () => resumeRace({ unsafe: true }),
    options: () => ({ strategy: random({ rate: 50_000 }), runs: 300, invariants: false }),
    note: (r) => `${r.failures} hits in ${r.runs} runs, ${String(r.stats.events)} event(s) landed in all (the baseline)`,
  },
  {
    name: 'pct d=2, bank window, 100 runs',
    scenario: () => bank(),
    options: () => ({ strategy: pct({ depth: 2, windows: ['check'] }), runs: 100 }),
    note: (r) => `hit rate ${(100 * r.hitRate).toFixed(0)}%, shrunk to ${r.shrunk?.events ?? '-'} event(s)`,
  },
  {
    name: 'exhaustive bound 2, locked bank, irq/pf/rv',
    scenario: () => bank({ locked: true }),
    options: () => ({ strategy: exhaustive({ windows: ['check'], bound: 2, kinds: ['irq', 'pf', 'rv'] }) }),
    note: (r) => `${r.runs} placements, ${r.failures} failures`,
  },
];

export function raceBench(quick: boolean): RaceRow[] {
  const reps = quick ? 1 : 7;
  const rows: RaceRow[] = [];
  for (const c of CASES) {
    const times: number[] = [];
    let last: ExploreResult | null = null;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      last = explore(c.scenario(), c.options());
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const r = last as ExploreResult;
    rows.push({
      name: c.name,
      hostMsMedian: times[Math.floor(times.length / 2)] as number,
      hostMsMin: times[0] as number,
      runs: r.runs,
      failures: r.failures,
      firstFailureRun: r.firstFailure?.run ?? null,
      shrunk: r.shrunk?.replay ?? null,
      note: c.note(r),
    });
    console.log(`  ${c.name}: ${(rows[rows.length - 1] as RaceRow).hostMsMedian.toFixed(0)} ms (${c.note(r)})`);
  }
  return rows;
}

/** The markdown table of raceBench's rows. */
export function raceTable(rows: readonly RaceRow[]): string {
  const head = '| exploration | host ms (median) | min | runs | failures | shrunk replay | what it showed |\n| --- | ---: | ---: | ---: | ---: | --- | --- |';
  return [head, ...rows.map((r) => `| ${r.name} | ${r.hostMsMedian.toFixed(0)} | ${r.hostMsMin.toFixed(0)} | ${r.runs} | ${r.failures} | ${r.shrunk === null ? '—' : `\`${r.shrunk}\``} | ${r.note} |`)].join('\n');
}
