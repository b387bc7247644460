/**
 * explore(scenario, options): run a strategy's plans against a scenario and report
 * what was found: runs, distinct schedules, failures and hit rate, window x event
 * coverage, the first failure with its replay string (self-checked for determinism),
 * the same failure shrunk to a minimal schedule, and the strategy's own figures.
 *
 * Invariants:
 *  1. Run 0 is the baseline (no events, default answers); strategies plan runs 1..n.
 *  2. An exploration is deterministic: same scenario, strategy and options => same result.
 *  3. The shrunk failure fails with the same category as the first one; it is shrunk on
 *     its replay tokens (shrink.ts), so its string holds no spare token.
 *  4. Setup mistakes are ConfigErrors, never reported bugs: unknown options, windows given
 *     both to the strategy and to explore (and different), a window that selects nothing,
 *     and program state that leaked out of setup() (the baseline, run again at the end,
 *     must give the same trace hash and verdict as at the start).
 *  5. `ended` says why the exploration stopped: the strategy had nothing left (`done`),
 *     the run budget ran out (`budget`) or stopAtFirst stopped it (`first-failure`).
 */
import { ConfigError } from '../../kernel-sim/errors';
import { Coverage } from './coverage';
import { minimise, shrinkTokens } from './shrink';
import { checkOptions } from './strategies/strategy';
import type { Schedule } from './plans';
import { checkDeterminism } from './reproduce';
import type { RunResult, Scenario } from './scenario';
import { runScenario, scenarioSeed } from './scenario';
import type { Strategy } from './strategies/strategy';

export interface ExploreOptions {
  readonly strategy: Strategy;
  /** Most runs after the baseline (default 1,000). */
  readonly runs?: number;
  /** Windows whose instructions are counted, when the strategy names none (default: every instruction). */
  readonly windows?: readonly string[];
  /** Step-level invariants: all (true, the default), none (false) or the named ones. */
  readonly invariants?: boolean | readonly string[];
  /** Stop at the first failure (default false: the hit rate needs every run). */
  readonly stopAtFirst?: boolean;
  /** Shrink the first failure (default true). */
  readonly shrink?: boolean;
}

export interface Failure {
  /** Run number (0 = the baseline). */
  readonly run: number;
  readonly replay: string;
  readonly failure: string;
  readonly category: string;
  /** Events the schedule landed. */
  readonly events: number;
  readonly schedule: Schedule;
}

export interface ExploreResult {
  readonly strategy: string;
  readonly windows: readonly string[];
  /** Runs after the baseline. */
  readonly runs: number;
  /** Distinct trace hashes among all runs (the baseline included). */
  readonly distinctSchedules: number;
  readonly failures: number;
  readonly hitRate: number;
  readonly coverage: Coverage;
  readonly baseline: { readonly ok: boolean; readonly counted: number; readonly steps: number; readonly failure: string | null };
  readonly firstFailure: Failure | null;
  /** The first failure's replay string, double-run: both runs and the failing run itself have the same trace hash and failure. */
  readonly deterministic: boolean | null;
  readonly shrunk: Failure | null;
  /** Runs spent shrinking. */
  readonly shrinkRuns: number;
  readonly stats: Readonly<Record<string, number | string>>;
  /** Invariant 5. */
  readonly ended: ExploreEnd;
}

export type ExploreEnd = 'done' | 'budget' | 'first-failure';

const EXPLORE_OPTIONS = ['strategy', 'runs', 'windows', 'invariants', 'stopAtFirst', 'shrink'];

function failureOf(run: number, r: RunResult): Failure {
  return { run, replay: r.replay, failure: r.failure ?? '', category: r.category ?? '', events: r.fired.length + r.schedule.choices.length, schedule: r.schedule };
}

export function explore(scenario: Scenario, o: ExploreOptions): ExploreResult {
  if (o === null || typeof o !== 'object' || o.strategy === undefined) throw new ConfigError('explore: options need a strategy (random(), pct(), exhaustive() or at([...]))');
  checkOptions('explore', o, EXPLORE_OPTIONS);
  const strategy = o.strategy;
  if (strategy.windows !== undefined && o.windows !== undefined && strategy.windows.join('\0') !== o.windows.join('\0')) {
    throw new ConfigError(`explore.windows: [${o.windows.join(', ')}] conflicts with the strategy's windows [${strategy.windows.join(', ')}]; name the windows in one place`);
  }
  const windows = strategy.windows ?? o.windows ?? [];
  const budget = o.runs ?? 1_000;
  if (!Number.isSafeInteger(budget) || budget < 0) throw new ConfigError(`explore.runs: must be an integer >= 0, got ${String(o.runs)}`);
  const invariants = o.invariants ?? true;
  const coverage = new Coverage();
  const hashes = new Set<string>();
  const base = runScenario(scenario, { windows, invariants, coverage });
  if (windows.length > 0 && base.counted === 0) {
    throw new ConfigError(`explore.windows: [${windows.join(', ')}] selected no instruction of the baseline run (not a routine or built-in window, and no thread entered an application window of that name)`);
  }
  hashes.add(base.traceHash);
  strategy.baseline(base, scenarioSeed(scenario));
  let first: { run: number; r: RunResult } | null = base.ok ? null : { run: 0, r: base };
  let failures = 0;
  let runs = 0;
  let ended: ExploreEnd = 'budget';
  for (let i = 0; ; i++) {
    if (first !== null && o.stopAtFirst === true) {
      ended = 'first-failure';
      break;
    }
    if (i >= budget) break;
    const p = strategy.plan(i);
    if (p === null) {
      ended = 'done';
      break;
    }
    const r = runScenario(scenario, { seed: p.seed, plan: p.plan, windows, invariants, coverage });
    runs++;
    hashes.add(r.traceHash);
    strategy.observe(i, r);
    if (!r.ok) {
      failures++;
      if (first === null) first = { run: i + 1, r };
    }
  }
  let deterministic: boolean | null = null;
  let shrunk: Failure | null = null;
  let shrinkRuns = 0;
  if (first !== null) {
    // the string must reproduce the very run that failed, twice
    const c = checkDeterminism(scenario, first.r.replay, { windows, invariants });
    deterministic = c.deterministic && c.hashes[0] === first.r.traceHash && c.categories[0] === first.r.category;
    if (o.shrink !== false && first.r.fired.length + first.r.schedule.choices.length > 0) {
      const s = shrinkTokens(scenario, first.r, { windows, invariants });
      // invariant 3: only a schedule that fails again, in the same way, is reported as shrunk
      shrunk = s.reproduced ? failureOf(first.run, s.result) : null;
      shrinkRuns = s.runs;
      if (s.reproduced) {
        const m = minimise(scenario, base, s.result, { windows, invariants });
        if (m !== null && m.reproduced && m.result.fired.length + m.result.schedule.choices.length < (shrunk as Failure).events) shrunk = failureOf(first.run, m.result);
        shrinkRuns += m?.runs ?? 0;
      }
    } else if (deterministic === true) {
      shrunk = failureOf(first.run, first.r);
    }
  }
  // invariant 4: state built outside setup() makes the same run differ later
  const again = runScenario(scenario, { windows, invariants });
  if (again.traceHash !== base.traceHash || again.ok !== base.ok) {
    throw new ConfigError(`explore: program state leaked out of setup(): the baseline run, repeated after ${runs} runs, ${again.ok !== base.ok ? `${again.ok ? 'passes' : `fails (${again.failure ?? ''})`} where it first ${base.ok ? 'passed' : 'failed'}` : `took another schedule (trace hash ${again.traceHash}, first ${base.traceHash})`}; build every object the program shares inside setup(), which runs once per run`);
  }
  return {
    strategy: strategy.name, windows, runs, ended,
    distinctSchedules: hashes.size, failures, hitRate: runs === 0 ? 0 : failures / runs, coverage,
    baseline: { ok: base.ok, counted: base.counted, steps: base.appSteps, failure: base.failure },
    firstFailure: first === null ? null : failureOf(first.run, first.r),
    deterministic, shrunk, shrinkRuns,
    stats: strategy.stats(runs, failures, ended),
  };
}

/** A short report of an exploration for people. */
export function formatExplore(r: ExploreResult): string {
  const lines: string[] = [];
  const win = r.windows.length === 0 ? 'every instruction' : r.windows.join(', ');
  lines.push(`${r.strategy}: ${r.runs} runs over ${win} (baseline: ${r.baseline.counted} counted of ${r.baseline.steps} instructions, ${r.baseline.ok ? 'passes' : `FAILS: ${r.baseline.failure ?? ''}`})`);
  lines.push(`  ${r.failures} failing (hit rate ${(100 * r.hitRate).toFixed(2)}%), ${r.distinctSchedules} distinct schedules`);
  const stats = Object.entries(r.stats).map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v)}`);
  if (stats.length > 0) lines.push(`  ${stats.join(', ')}`);
  if (r.firstFailure !== null) {
    lines.push(`  first failure (run ${r.firstFailure.run}, ${r.firstFailure.events} decision(s)): ${r.firstFailure.failure}`);
    lines.push(`    replay: ${r.firstFailure.replay}${r.deterministic === true ? '  (double-run: same trace hash)' : r.deterministic === false ? '  (NOT DETERMINISTIC)' : ''}`);
  }
  const why = r.ended === 'first-failure' ? 'stopped at the first failure (stopAtFirst)' : r.ended === 'budget' ? `the run budget (${r.runs} runs) ended it` : 'the strategy had no runs left';
  lines.push(`  ended: ${why}`);
  if (r.firstFailure !== null) {
    if (r.shrunk === null) lines.push(`  not shrunk: ${r.shrinkRuns > 0 ? 'its replay string did not fail again' : 'shrinking was off'}`);
    else if (r.shrunk.events === r.firstFailure.events && r.shrunk.replay === r.firstFailure.replay) lines.push(`  already minimal (${r.shrunk.events} decision(s); ${r.shrinkRuns} shrink runs)`);
    else lines.push(`  shrunk from ${r.firstFailure.events} to ${r.shrunk.events} decision(s) in ${r.shrinkRuns} runs: ${r.shrunk.replay}`);
  }
  return lines.join('\n');
}
