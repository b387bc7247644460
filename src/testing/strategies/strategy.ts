/**
 * The strategy seam: a strategy plans one run after another and learns from each; the
 * explorer runs the plans and keeps the statistics. Random, PCT, exhaustive and `at`
 * are implementations; a user may write another.
 *
 * Invariants:
 *  1. A strategy is deterministic given its options and the results it observed, so an
 *     exploration is reproducible.
 *  2. plan(i) is called with i = 0, 1, 2, ... after the baseline run (no events, the
 *     untested machine's answers), which every strategy observes first; baseline()
 *     resets the strategy, so one object may serve several explorations alike.
 */
import { ConfigError } from '../../../kernel-sim/errors';
import type { Plan } from '../decider';
import type { EventName } from '../replay';
import type { RunResult } from '../scenario';

export interface PlannedRun {
  /** The machine's seed for this run. */
  readonly seed: number;
  readonly plan: Plan;
}

export interface Strategy {
  readonly name: string;
  /** Windows whose instructions this strategy counts (undefined: the explorer's). */
  readonly windows?: readonly string[];
  /** The baseline run, before any plan (k, CPUs and threads used, the run's length). */
  baseline(r: RunResult, scenarioSeed: number): void;
  /** The plan of run i, or null when there is nothing left to try. */
  plan(i: number): PlannedRun | null;
  /** What run i showed. */
  observe(i: number, r: RunResult): void;
  /** Figures for the result: PCT's n, k, d and bound, exhaustive's placements, ... */
  stats(runs: number, failures: number): Record<string, number | string>;
}

/** The event kinds a strategy may land (irq by default). */
export function kindsOf(kinds: readonly EventName[] | undefined, where: string): readonly EventName[] {
  const ks = kinds ?? ['irq'];
  if (ks.length === 0) throw new ConfigError(`${where}: kinds must name at least one of irq, pf, rv`);
  for (const k of ks) if (k !== 'irq' && k !== 'pf' && k !== 'rv') throw new ConfigError(`${where}: unknown event kind '${String(k)}' (known: irq, pf, rv)`);
  return [...new Set(ks)];
}

/** A positive integer option, or a ConfigError naming it. */
export function positiveInt(where: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${where}: must be an integer >= 1, got ${String(v)}`);
  return n;
}
