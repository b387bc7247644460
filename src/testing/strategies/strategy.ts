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
  /** Figures for the result: PCT's n, k, d and bound, exhaustive's placements, ...; `ended` says why the exploration stopped. */
  stats(runs: number, failures: number, ended?: 'done' | 'budget' | 'first-failure'): Record<string, number | string>;
}

/**
 * The event kinds a strategy may land. Default: interrupts, and on a machine with more
 * than one CPU stalls too (what holds one CPU's thread back while another runs). The
 * default is resolved at the baseline (`defaultKinds`), when the machine is known.
 */
export function kindsOf(kinds: readonly EventName[] | undefined, where: string): readonly EventName[] | null {
  if (kinds === undefined) return null;
  if (!Array.isArray(kinds) || kinds.length === 0) throw new ConfigError(`${where}: kinds must name at least one of irq, pf, rv, st`);
  for (const k of kinds) if (k !== 'irq' && k !== 'pf' && k !== 'rv' && k !== 'st') throw new ConfigError(`${where}: unknown event kind '${String(k)}' (known: irq, pf, rv, st)`);
  return [...new Set(kinds)];
}

/** The kinds to use: the chosen ones, else the default for a machine of `cpus` CPUs. */
export function defaultKinds(chosen: readonly EventName[] | null, cpus: number): readonly EventName[] {
  return chosen ?? (cpus > 1 ? ['irq', 'st'] : ['irq']);
}

/** Reject option names a strategy (or explore) does not know: `pct({ dept: 3 })` must not silently run depth 2. */
export function checkOptions(where: string, o: object, known: readonly string[]): void {
  for (const key of Object.keys(o)) {
    if (!known.includes(key)) {
      const near = known.find((k) => k.startsWith(key.slice(0, 3)));
      throw new ConfigError(`${where}: unknown option '${key}'${near === undefined ? '' : ` (did you mean '${near}'?)`}; known: ${known.join(', ')}`);
    }
  }
}

/** A positive integer option, or a ConfigError naming it. */
export function positiveInt(where: string, v: unknown, dflt: number): number {
  const n = v ?? dflt;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw new ConfigError(`${where}: must be an integer >= 1, got ${String(v)}`);
  return n;
}
