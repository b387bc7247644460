/**
 * What `upcall explore` runs inside its worker threads: an exploration as explore() does
 * it, or one slice of its run index range, and the finishing of a failure (the
 * determinism double-run and the shrinking) once the slices are merged.
 *
 * Splitting an exploration (the Strategy seam, src/testing/strategies/strategy.ts): the
 * explorer calls plan(0), plan(1), ... in order and lets the strategy observe each run.
 *  - random plans run i from (seed, i) alone (its invariant 1): any slice of the index
 *    range can run anywhere, and the slices together are exactly the unsplit exploration;
 *  - pct plans run i from (seed, i, k), and k grows when a passing run counts more
 *    instructions than any before. A slice starts from the baseline's k, so it is exact
 *    as long as k never grows in any slice (checked: stats().k before and after);
 *  - exhaustive plans each schedule from the results of the runs before it (a queue by
 *    cost): it cannot be split and always runs in one worker.
 *
 * Invariants:
 *  1. exploreRange over [lo, hi) runs exactly the runs lo+1..hi that explore() would run
 *     (same plans, same results), given a strategy whose plans depend only on (seed, i):
 *     the loop below is explore()'s, started at lo.
 *  2. finish() gives the deterministic/shrunk/shrinkRuns that explore() gives for the same
 *     first failure: it is explore() itself, over one planned run that replays the failure.
 */
import { ConfigError } from '../../kernel-sim/errors';
import type { Machine } from '../machine';
import type { Report } from '../report';
// The testing modules themselves, not upcall/testing's index: the index loads fast-check (for
// its arbitraries), an optional peer dependency the CLI does not need.
import { Coverage } from '../testing/coverage';
import { explore } from '../testing/explore';
import { ReplayPlan } from '../testing/plans';
import { parseReplay } from '../testing/replay';
import { runScenario } from '../testing/scenario';
import { exhaustive } from '../testing/strategies/exhaustive';
import { pct } from '../testing/strategies/pct';
import { random } from '../testing/strategies/random';
import type { CoverageData, EventName, ExploreEnd, ExploreResult, Failure, PlannedRun, RunResult, Scenario, Strategy } from '../testing/index';

export type StrategyName = 'random' | 'pct' | 'exhaustive';
export const STRATEGIES: readonly StrategyName[] = ['random', 'pct', 'exhaustive'];
export const EVENT_KINDS: readonly EventName[] = ['irq', 'pf', 'rv', 'st'];

/** A strategy as data (it crosses to worker threads and into shard files). */
export interface StrategySpec {
  readonly name: StrategyName;
  readonly rate?: number;
  readonly depth?: number;
  readonly bound?: number;
  readonly mode?: 'delay' | 'preemption';
  readonly kinds?: readonly EventName[];
  readonly windows?: readonly string[];
}

/** explore()'s options as data. */
export interface ExploreSpec {
  readonly strategy: StrategySpec;
  readonly runs: number;
  readonly stopAtFirst: boolean;
  readonly shrink: boolean;
}

/** How a strategy splits over workers and shards (see the header). */
export function splitKind(name: StrategyName): 'exact' | 'checked' | 'no' {
  return name === 'random' ? 'exact' : name === 'pct' ? 'checked' : 'no';
}

export function makeStrategy(s: StrategySpec): Strategy {
  const w = s.windows === undefined || s.windows.length === 0 ? {} : { windows: s.windows };
  const kinds = s.kinds === undefined ? {} : { kinds: s.kinds };
  switch (s.name) {
    case 'random':
      return random({ ...w, ...kinds, ...(s.rate === undefined ? {} : { rate: s.rate }) });
    case 'pct':
      return pct({ ...w, ...kinds, ...(s.depth === undefined ? {} : { depth: s.depth }) });
    case 'exhaustive':
      return exhaustive({ ...w, ...kinds, ...(s.bound === undefined ? {} : { bound: s.bound }), ...(s.mode === undefined ? {} : { mode: s.mode }) });
    default: {
      const never: never = s.name;
      throw new ConfigError(`unknown strategy '${String(never)}' (known: ${STRATEGIES.join(', ')})`);
    }
  }
}

/** An exploration's result as data: explore()'s ExploreResult with the coverage as its plain data (keys sorted). */
export type ExploreJson = Omit<ExploreResult, 'coverage'> & { readonly coverage: CoverageData };

/** Fields in a fixed order, whoever built `r` (explore() or a merge): shards and workers print byte-identical JSON. */
export function exploreJson(r: ExploreResult): ExploreJson {
  return {
    strategy: r.strategy, windows: r.windows, runs: r.runs, distinctSchedules: r.distinctSchedules, failures: r.failures, hitRate: r.hitRate,
    coverage: sortedCoverage(r.coverage.data), baseline: r.baseline, firstFailure: r.firstFailure, deterministic: r.deterministic,
    shrunk: r.shrunk, shrinkRuns: r.shrinkRuns, stats: r.stats, ended: r.ended,
  };
}

/** Back to an ExploreResult (for formatExplore). */
export function exploreResultOf(j: ExploreJson): ExploreResult {
  const coverage = new Coverage();
  Object.assign(coverage.data.windows, structuredClone(j.coverage.windows));
  Object.assign(coverage.data.pcs, structuredClone(j.coverage.pcs));
  Object.assign(coverage.data.routineSizes, j.coverage.routineSizes);
  return { ...j, coverage };
}

export function sortedCoverage(c: CoverageData): CoverageData {
  const sort = <T>(o: Record<string, T>): Record<string, T> => Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k] as T]));
  return { windows: sort(c.windows), pcs: sort(c.pcs), routineSizes: sort(c.routineSizes) };
}

/** Coverage data a + b (fresh objects). */
export function addCoverage(a: CoverageData, b: CoverageData): CoverageData {
  const add = (x: CoverageData['windows'], y: CoverageData['windows']): CoverageData['windows'] => {
    const out: CoverageData['windows'] = structuredClone(x);
    for (const [k, v] of Object.entries(y)) {
      const t = (out[k] ??= { irq: 0, pf: 0, rv: 0, st: 0 });
      t.irq += v.irq;
      t.pf += v.pf;
      t.rv += v.rv;
      t.st += v.st;
    }
    return out;
  };
  return { windows: add(a.windows, b.windows), pcs: add(a.pcs, b.pcs), routineSizes: { ...a.routineSizes, ...b.routineSizes } };
}

/** A failure with the trace hash of the run that failed (to check that its replay string reproduces that very run). */
export interface FailureRecord extends Failure {
  readonly traceHash: string;
}

/** The baseline run, as every slice of one exploration sees it (the slices must agree on it). */
export interface BaselineInfo {
  readonly strategy: string;
  readonly windows: readonly string[];
  readonly ok: boolean;
  readonly counted: number;
  readonly steps: number;
  readonly failure: string | null;
  readonly traceHash: string;
  /** The baseline's own landings (timer ticks and the like). */
  readonly coverage: CoverageData;
}

/** What one slice [lo, hi) of the run index range found. */
export interface RangePart {
  readonly lo: number;
  readonly hi: number;
  readonly runs: number;
  readonly failures: number;
  /** Trace hashes of the slice's runs (the baseline's is in BaselineInfo). */
  readonly hashes: readonly string[];
  /** Landings of the slice's runs only. */
  readonly coverage: CoverageData;
  readonly ended: ExploreEnd;
  /** The slice's first failure (run 0: the baseline failed). */
  readonly first: FailureRecord | null;
  /** strategy.stats() at the end of the slice, and right after the baseline (PCT's k then). */
  readonly stats: Readonly<Record<string, number | string>>;
  readonly statsBase: Readonly<Record<string, number | string>>;
}

/** Called once per run of the scenario, and once per explored run with its verdict. */
export interface EngineHooks {
  /** Every run (baseline, explored, determinism and shrink runs) calls setup once. */
  setup?(m: Machine): void;
  /** An explored run is about to start (run index i + 1; 0 = the baseline). */
  starting?(run: number): void;
  /** An explored run ended (run index i + 1; ok is its verdict). */
  observed?(run: number, ok: boolean): void;
}

/** The scenario with the hooks' setup called after its own (its `this`, check and options are the scenario's). */
export function hooked(s: Scenario, hooks: EngineHooks): Scenario {
  if (hooks.setup === undefined) return s;
  const h = hooks.setup;
  const w = Object.create(s) as Scenario & { setup(m: Machine): void };
  w.setup = function setup(this: Scenario, m: Machine): void {
    s.setup.call(this, m);
    h(m);
  };
  return w;
}

/** The scenario with its machine seed replaced (the strategies draw their own seeds from it). */
export function withSeed(s: Scenario, seed: number | undefined): Scenario {
  if (seed === undefined) return s;
  const w = Object.create(s) as { machine: Scenario['machine'] };
  w.machine = { ...s.machine, seed };
  return w as unknown as Scenario;
}

/** The scenario with extra machine options laid over its own (trace recording for replay --html). */
export function withMachine(s: Scenario, extra: Record<string, unknown>): Scenario {
  if (Object.keys(extra).length === 0) return s;
  const w = Object.create(s) as { machine: Scenario['machine'] };
  w.machine = { ...s.machine, ...extra };
  return w as unknown as Scenario;
}

function withObserver(strategy: Strategy, hooks: EngineHooks): Strategy {
  const w = Object.create(strategy) as Strategy & { observe: Strategy['observe'] };
  w.observe = (i: number, r: RunResult): void => {
    strategy.observe(i, r);
    hooks.observed?.(i + 1, r.ok);
    hooks.starting?.(i + 2);
  };
  return w;
}

/** The whole exploration in this thread: explore() itself. */
export function exploreWhole(scenario: Scenario, spec: ExploreSpec, hooks: EngineHooks = {}): ExploreJson {
  const strategy = withObserver(makeStrategy(spec.strategy), hooks);
  hooks.starting?.(0);
  return exploreJson(explore(hooked(scenario, hooks), { strategy, runs: spec.runs, stopAtFirst: spec.stopAtFirst, shrink: spec.shrink }));
}

function failureRecord(run: number, r: RunResult): FailureRecord {
  return { run, replay: r.replay, failure: r.failure ?? '', category: r.category ?? '', events: r.fired.length + r.schedule.choices.length, schedule: r.schedule, traceHash: r.traceHash };
}

/**
 * Runs lo+1..hi of the exploration (invariant 1): explore()'s loop over the index range
 * [lo, hi), with its checks, its baseline first and its leak check last.
 */
export function exploreRange(scenario0: Scenario, spec: ExploreSpec, lo: number, hi: number, hooks: EngineHooks = {}): { baseline: BaselineInfo; part: RangePart } {
  const scenario = hooked(scenario0, hooks);
  const strategy = makeStrategy(spec.strategy);
  const windows = strategy.windows ?? [];
  const baseCoverage = new Coverage();
  hooks.starting?.(0);
  const base = runScenario(scenario, { windows, coverage: baseCoverage });
  if (windows.length > 0 && base.counted === 0) {
    throw new ConfigError(`explore.windows: [${windows.join(', ')}] selected no instruction of the baseline run (not a routine or built-in window, and no thread entered an application window of that name)`);
  }
  strategy.baseline(base, scenario.machine?.seed ?? 1);
  const statsBase = strategy.stats(0, 0);
  const coverage = new Coverage();
  const hashes: string[] = [];
  let first: FailureRecord | null = base.ok ? null : failureRecord(0, base);
  let failures = 0;
  let runs = 0;
  let ended: ExploreEnd = 'budget';
  for (let i = lo; ; i++) {
    if (first !== null && spec.stopAtFirst) {
      ended = 'first-failure';
      break;
    }
    if (i >= hi) break;
    const p: PlannedRun | null = strategy.plan(i);
    if (p === null) {
      ended = 'done';
      break;
    }
    hooks.starting?.(i + 1);
    const r = runScenario(scenario, { seed: p.seed, plan: p.plan, windows, coverage });
    runs++;
    hashes.push(r.traceHash);
    strategy.observe(i, r);
    if (!r.ok) {
      failures++;
      if (first === null) first = failureRecord(i + 1, r);
    }
    hooks.observed?.(i + 1, r.ok);
  }
  const again = runScenario(scenario, { windows });
  if (again.traceHash !== base.traceHash || again.ok !== base.ok) {
    throw new ConfigError(`explore: program state leaked out of setup(): the baseline run, repeated after ${runs} runs, ${again.ok !== base.ok ? `${again.ok ? 'passes' : `fails (${again.failure ?? ''})`} where it first ${base.ok ? 'passed' : 'failed'}` : `took another schedule (trace hash ${again.traceHash}, first ${base.traceHash})`}; build every object the program shares inside setup(), which runs once per run`);
  }
  return {
    baseline: {
      strategy: strategy.name, windows, ok: base.ok, counted: base.counted, steps: base.appSteps, failure: base.failure, traceHash: base.traceHash,
      coverage: baseCoverage.data,
    },
    part: { lo, hi, runs, failures, hashes, coverage: coverage.data, ended, first, stats: strategy.stats(runs, failures, ended), statsBase },
  };
}

/** What finishing a failure adds to a merged exploration. */
export interface Finish {
  readonly deterministic: boolean | null;
  readonly shrunk: Failure | null;
  readonly shrinkRuns: number;
}

/**
 * The determinism check and the shrinking of `first` (invariant 2): explore() over one
 * planned run that replays the failure's string, stopping at it. The replayed run must
 * have the failing run's trace hash, or the result is not deterministic.
 */
export function finish(scenario0: Scenario, spec: ExploreSpec, first: FailureRecord, hooks: EngineHooks = {}): Finish {
  const scenario = hooked(scenario0, hooks);
  const windows = makeStrategy(spec.strategy).windows ?? [];
  const tokens = parseReplay(first.replay);
  const seedToken = tokens[0];
  const seed = seedToken !== undefined && seedToken.kind === 'seed' ? seedToken.seed : scenario.machine?.seed ?? 1;
  let replayedHash: string | null = null;
  const again: Strategy = {
    name: 'finish',
    ...(windows.length === 0 ? {} : { windows }),
    baseline: () => undefined,
    plan: (i) => (i === 0 && first.run > 0 ? { seed, plan: new ReplayPlan(tokens) } : null),
    observe: (_i, r) => void (replayedHash = r.traceHash),
    stats: () => ({}),
  };
  const r = explore(scenario, { strategy: again, runs: 1, stopAtFirst: true, shrink: spec.shrink });
  const sameRun = first.run === 0 || replayedHash === first.traceHash;
  const at = (f: Failure | null): Failure | null => (f === null ? null : { ...f, run: first.run });
  return { deterministic: r.deterministic === null ? false : r.deterministic && sameRun, shrunk: at(r.shrunk), shrinkRuns: r.shrinkRuns };
}

/** What replaying a string showed, as data. */
export interface ReplayOutcome {
  readonly ok: boolean;
  readonly failure: string | null;
  readonly category: string | null;
  readonly seed: number;
  /** The replay string the run recorded (the same decisions, re-recorded). */
  readonly replay: string;
  readonly traceHash: string;
  readonly outcome: string | null;
  readonly endTime: number | null;
  readonly instructions: number | null;
  /** Recorded trace data, when the build records it (report.records). */
  readonly trace?: unknown;
}

export function replayOutcome(r: RunResult): ReplayOutcome {
  const rep: Report | null = r.report;
  const records = rep === null ? undefined : (rep as { records?: unknown }).records;
  return {
    ok: r.ok, failure: r.failure, category: r.category, seed: r.seed, replay: r.replay, traceHash: r.traceHash,
    outcome: rep?.outcome.kind ?? null, endTime: rep?.endTime ?? null, instructions: rep?.counts.instructions ?? null,
    ...(records === undefined || records === null ? {} : { trace: records }),
  };
}
