/**
 * The messages between the CLI and its worker threads: a job (what to run, on which
 * scenario), the shared counters the worker bumps as it goes (read by the progress bar
 * and the hang watchdog without a message: a worker stuck in a thread's synchronous loop
 * cannot send one), and the one answer.
 */
import type { ErrorSummary } from '../run-summary';
import type { BaselineInfo, ExploreJson, ExploreSpec, FailureRecord, Finish, RangePart, ReplayOutcome } from './explore-engine';

/** Which scenario, as the worker loads it. */
export interface ScenarioRef {
  /** File URL of the module. */
  readonly module: string;
  /** The export (null: `default`, else `scenario`). */
  readonly exportName: string | null;
  /** Replaces the scenario's machine seed (null: its own). */
  readonly seed: number | null;
}

export type Job =
  /** The whole exploration: explore() itself. */
  | { readonly kind: 'whole'; readonly scenario: ScenarioRef; readonly spec: ExploreSpec }
  /** Runs lo+1..hi; with finishOwn, also the determinism check and shrinking of the slice's own first failure. */
  | { readonly kind: 'range'; readonly scenario: ScenarioRef; readonly spec: ExploreSpec; readonly lo: number; readonly hi: number; readonly finishOwn: boolean }
  /** Finish a merged first failure. */
  | { readonly kind: 'finish'; readonly scenario: ScenarioRef; readonly spec: ExploreSpec; readonly first: FailureRecord }
  /** Replay a string once. */
  | { readonly kind: 'replay'; readonly scenario: ScenarioRef; readonly replay: string; readonly windows: readonly string[]; readonly machine: Record<string, unknown> };

export interface RangeAnswer {
  readonly baseline: BaselineInfo;
  readonly part: RangePart;
  readonly finish: Finish | null;
}

export type JobValue = ExploreJson | RangeAnswer | Finish | ReplayOutcome;

export type WorkerMessage =
  | { readonly kind: 'done'; readonly value: JobValue }
  | { readonly kind: 'error'; readonly phase: 'load' | 'export' | 'run'; readonly error: ErrorSummary }
  | { readonly kind: 'boot'; readonly message: string };

/** What the main thread hands the worker (workerData). */
export interface WorkerInput {
  /** Marks the CLI's worker (main.ts starts the worker role on it). */
  readonly upcallCliWorker: true;
  readonly job: Job;
  /** Int32 counters (C_*). */
  readonly counters: SharedArrayBuffer;
  /** src/progress.ts's buffer: which thread each CPU runs. */
  readonly progress: SharedArrayBuffer;
}

/** Counter slots. */
export const C_BEAT = 0; // bumped at every run's setup (and at load): the watchdog's sign of life
export const C_RUNS = 1; // explored runs done
export const C_FAILURES = 2; // of them failing
export const C_STAGE = 3; // STAGES index
export const C_RUN = 4; // run index being explored (1-based; 0 = baseline)
export const COUNTERS = 5;

export const STAGES = ['starting', 'loading the scenario', 'exploring', 'finishing the first failure (double-run, shrinking)', 'replaying'] as const;
export const S_LOADING = 1;
export const S_EXPLORING = 2;
export const S_FINISHING = 3;
export const S_REPLAYING = 4;
