/**
 * Replaying a replay string, and the determinism self-check.
 *
 * Invariants:
 *  1. replay() reproduces the recorded run exactly (same decisions, same trace hash), or
 *     throws a ReplayError naming every token that is malformed or stale (never fired,
 *     out of range, on a symbol or CPU the machine lacks): never a silently different run.
 *  2. checkDeterminism() runs the same schedule twice and compares trace hashes; a
 *     difference means something outside the decision source varied (a bug to report).
 */
import { ReplayPlan } from './plans';
import { parseReplay, ReplayError } from './replay';
import type { RunOptions, RunResult, Scenario } from './scenario';
import { runScenario } from './scenario';

export type ReplayOptions = Omit<RunOptions, 'seed' | 'plan'>;

/** Run `scenario` along the replay string `text`. */
export function replay(scenario: Scenario, text: string, o: ReplayOptions = {}): RunResult {
  const tokens = parseReplay(text);
  const first = tokens[0];
  if (first === undefined || first.kind !== 'seed') throw new ReplayError('replay: no seed', 1, text);
  const plan = new ReplayPlan(tokens);
  const r = runScenario(scenario, { ...o, seed: first.seed, plan });
  const stale = plan.stale();
  if (stale.length > 0) {
    const m = /^replay token (\d+) '([^']*)'/.exec(stale[0] as string);
    throw new ReplayError(`${stale.join('; ')} (the program or its configuration changed since the string was recorded?)`, Number(m?.[1] ?? 0), m?.[2] ?? '');
  }
  return r;
}

export interface DeterminismCheck {
  readonly deterministic: boolean;
  readonly hashes: readonly [string, string];
  readonly replays: readonly [string, string];
  readonly categories: readonly [string | null, string | null];
}

/** Run the replay string twice and compare (invariant 2). */
export function checkDeterminism(scenario: Scenario, text: string, o: ReplayOptions = {}): DeterminismCheck {
  const a = replay(scenario, text, o);
  const b = replay(scenario, text, o);
  return {
    deterministic: a.traceHash === b.traceHash && a.replay === b.replay && a.category === b.category,
    hashes: [a.traceHash, b.traceHash],
    replays: [a.replay, b.replay],
    categories: [a.category, b.category],
  };
}
