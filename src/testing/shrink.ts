/**
 * Shrinking a failure on its replay tokens: ddmin (Zeller and Hildebrandt, "Simplifying and
 * Isolating Failure-Inducing Input", 2002) over the decision tokens of the failing run's
 * replay string, then each event token moved as early as it still fails, then the result
 * re-recorded from its own run, so the string holds only decisions that took effect.
 *
 * Invariants:
 *  1. A candidate counts as failing only when its run fails with the failing run's
 *     category; a candidate the program cannot follow (a pick of a thread that is not
 *     ready, a stall with nobody to run, a page fault where it may not land) does not.
 *  2. The result is the re-recorded replay string of a run that fails in that category
 *     (reproduced), or the failing run itself when its own string did not fail again.
 *  3. ddmin ends 1-minimal: removing any one remaining token makes the failure go away
 *     (within the budget); no token survives that did not fire.
 *  4. Deterministic: same failure, same scenario => same result and run count.
 */
import { ConfigError } from '../../kernel-sim/errors';
import { PlanError } from './decider';
import { ReplayPlan } from './plans';
import { parseReplay, ReplayError } from './replay';
import type { Anchor, Token } from './replay';
import type { RunOptions, RunResult, Scenario } from './scenario';
import { runScenario } from './scenario';

/** Shrinking stops improving after this many runs (the best string so far is kept). */
export const TOKEN_SHRINK_BUDGET = 2_000;

export interface ShrinkResult {
  readonly result: RunResult;
  readonly runs: number;
  readonly reproduced: boolean;
}

type Options = Omit<RunOptions, 'seed' | 'plan'> & { readonly budget?: number };

export function shrinkTokens(scenario: Scenario, failing: RunResult, o: Options = {}): ShrinkResult {
  const budget = o.budget ?? TOKEN_SHRINK_BUDGET;
  const all = parseReplay(failing.replay);
  const seed = all[0] as Token;
  let runs = 0;
  /** The run of `decisions`, or null when it does not fail the same way (invariant 1). */
  const attempt = (decisions: readonly Token[]): RunResult | null => {
    if (runs >= budget) return null;
    runs++;
    try {
      const r = runScenario(scenario, { ...o, seed: failing.seed, plan: new ReplayPlan([seed, ...decisions], true) });
      return !r.ok && r.category === failing.category ? r : null;
    } catch (e) {
      if (e instanceof ReplayError || e instanceof PlanError || e instanceof ConfigError) return null;
      throw e;
    }
  };
  let best = all.slice(1);
  let bestRun = attempt(best);
  if (bestRun === null) return { result: failing, runs, reproduced: false };
  best = recorded(bestRun);
  if (best.length > 0) {
    const none = attempt([]);
    if (none !== null) return { result: none, runs, reproduced: true };
  }
  // ddmin: try chunks, then complements, refining the split
  let n = 2;
  while (best.length >= 2 && runs < budget) {
    const chunks = split(best, n);
    let reduced = false;
    for (const c of chunks) {
      const r = attempt(c);
      if (r !== null) {
        best = c;
        bestRun = r;
        n = 2;
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      for (let i = 0; i < chunks.length && n > 2; i++) {
        const rest = chunks.filter((_, j) => j !== i).flat();
        const r = attempt(rest);
        if (r !== null) {
          best = rest;
          bestRun = r;
          n = Math.max(n - 1, 2);
          reduced = true;
          break;
        }
      }
    }
    if (!reduced) {
      if (n >= best.length) break;
      n = Math.min(2 * n, best.length);
    }
  }
  // 1-minimal: a last pass of single removals (ddmin at n = length already tried them, but
  // a chunk success above may have skipped the final granularity)
  for (let i = best.length - 1; i >= 0 && best.length > 1 && runs < budget; i--) {
    const fewer = best.filter((_, j) => j !== i);
    const r = attempt(fewer);
    if (r !== null) {
      best = fewer;
      bestRun = r;
    }
  }
  // each event as early as it still fails
  for (let i = 0; i < best.length && runs < budget; i++) {
    const t = best[i] as Token;
    if (t.kind !== 'event') continue;
    for (const a of earlier(t.anchor)) {
      if (runs >= budget) break;
      const moved = best.map((x, j) => (j === i ? { ...t, anchor: a } : x));
      const r = attempt(moved);
      if (r !== null) {
        best = moved;
        bestRun = r;
        break;
      }
    }
  }
  // invariant 2: the string of the final run, holding only what fired
  const final = attempt(recorded(bestRun)) ?? bestRun;
  return { result: final, runs, reproduced: true };
}

/** The decision tokens a run recorded (its replay string minus the seed). */
function recorded(r: RunResult): Token[] {
  return parseReplay(r.replay).slice(1);
}

function split<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(xs.length / n);
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/**
 * Anchors naming earlier points of the same thread or CPU, earliest first: the same point
 * of the thread's earlier passes through the window, or the 64 instruction boundaries (or
 * arrivals) before it. A rest point comes before its instruction's boundary, so rest 0 is
 * never earlier.
 */
function earlier(a: Anchor): Anchor[] {
  const out: Anchor[] = [];
  switch (a.kind) {
    case 'thread':
      for (let i = Math.max(1, a.index - 64); i < a.index; i++) out.push({ ...a, index: i, rest: 0 });
      return out;
    case 'window':
      for (let e = 1; e < a.entry; e++) out.push({ ...a, entry: e, rest: 0 });
      for (let off = Math.max(0, a.offset - 64); off < a.offset; off++) out.push({ ...a, offset: off, rest: 0 });
      return out;
    case 'pc':
      for (let i = Math.max(1, a.nth - 64); i < a.nth; i++) out.push({ ...a, nth: i });
      return out;
    default:
      return out;
  }
}
