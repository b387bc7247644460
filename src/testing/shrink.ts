/**
 * Shrinking a failure on its replay tokens: stalls lengthened (one long stall can stand
 * for many short ones), then ddmin (Zeller and Hildebrandt, "Simplifying and
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
import type { Choice } from './decider';
import { ReplayPlan, SchedulePlan } from './plans';
import type { ScheduledEvent } from './plans';
import { parseReplay, ReplayError } from './replay';
import type { Anchor, EventName, Token } from './replay';
import type { RunOptions, RunResult, Scenario } from './scenario';
import { runScenario } from './scenario';
import { exhaustive } from './strategies/exhaustive';

/** Shrinking stops improving after this many runs (the best string so far is kept). */
export const TOKEN_SHRINK_BUDGET = 2_000;
/** The length stalls are tried at first (instructions of the other CPUs): long enough to let another CPU finish a short program. */
const LONG_STALL = 5_000;

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
  // stalls: one long stall often does the work of many short ones; lengthen them all
  // first, so ddmin can then drop the rest
  if (best.some((t) => t.kind === 'event' && t.event === 'st')) {
    const longer = best.map((t) => (t.kind === 'event' && t.event === 'st' ? { ...t, n: Math.max(t.n, LONG_STALL) } : t));
    const r = attempt(longer);
    if (r !== null) {
      best = longer;
      bestRun = r;
    }
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

/** Runs the search for a smaller failure may take (minimise). */
export const SEARCH_BUDGET = 1_000;

/**
 * A failure with fewer decisions than `shrunk`, if one exists within SEARCH_BUDGET runs:
 * bounded search (exhaustive, cost below the shrunk failure's decisions, smallest first:
 * interrupts and picks by delay, then by preemption with picks free, then the failure's own
 * kinds) for a run failing in the same category; ddmin keeps one failure's
 * decisions 1-minimal, but another, smaller schedule may fail the same way (a single
 * interrupt where PCT's failure took a pick and an interrupt). Returns null when none.
 */
export function minimise(scenario: Scenario, base: RunResult, shrunk: RunResult, o: Options = {}): ShrinkResult | null {
  const events = shrunk.fired.length + shrunk.schedule.choices.length;
  if (events <= 1) return null;
  const windows = o.windows ?? [];
  const seen = [...new Set(shrunk.fired.map((e) => e.event))];
  // interrupts and picks first (the commonest small failure), then the kinds the failure used
  const irqOnly = seen.length === 0 || (seen.length === 1 && seen[0] === 'irq');
  const passes: { kinds: readonly EventName[]; mode: 'delay' | 'preemption' }[] = [
    { kinds: ['irq'], mode: 'delay' }, { kinds: ['irq'], mode: 'preemption' }, ...(irqOnly ? [] : [{ kinds: seen, mode: 'delay' as const }]),
  ];
  let runs = 0;
  if (events > 2 && shrunk.schedule.choices.some((c) => c.point === 'pick')) {
    const pair = pairSearch(scenario, base, shrunk, o, SEARCH_BUDGET);
    runs += pair.runs;
    if (pair.found !== null) {
      const s = shrinkTokens(scenario, pair.found, o);
      return { ...s, runs: s.runs + runs };
    }
  }
  for (const { kinds, mode } of passes) {
    const search = exhaustive({ bound: events - 1, mode, kinds, picks: true, ...(windows.length > 0 ? { windows } : {}) });
    search.baseline(base, shrunk.seed);
    for (let i = 0; i < SEARCH_BUDGET / passes.length; i++) {
      const p = search.plan(i);
      if (p === null) break;
      const r = runScenario(scenario, { ...o, seed: p.seed, plan: p.plan });
      runs++;
      search.observe(i, r);
      if (!r.ok && r.category === shrunk.category && r.fired.length + r.schedule.choices.length < events) {
        const s = shrinkTokens(scenario, r, o);
        return { ...s, runs: s.runs + runs };
      }
    }
  }
  return null;
}

/**
 * A preemption and the pick right after it, the shape of most pick-dependent bugs
 * (reorder-N: interrupt a setter between its two writes, then run the checker): an
 * interrupt at each counted instruction, nearest the failure's own events first, and each
 * other answer to the first pick after it. At most `budget` runs.
 */
function pairSearch(scenario: Scenario, base: RunResult, shrunk: RunResult, o: Options, budget: number): { found: RunResult | null; runs: number } {
  const windows = shrunk.schedule.windows;
  // thread code first (preempting it is what lets another thread run), nearest the failure's own events first
  const user = new Set(base.userOrdinals);
  const limit = Math.max(1, base.counted);
  const near = new Set<number>();
  for (const e of shrunk.schedule.events) for (let d = 0; d <= 8; d++) for (const x of [e.step - d, e.step + d]) if (user.has(x)) near.add(x);
  const order = [...near, ...[...user].filter((x) => !near.has(x))];
  for (let x = 1; x <= limit; x++) if (!user.has(x)) order.push(x);
  let runs = 0;
  const run = (events: readonly ScheduledEvent[], choices: readonly Choice[]): RunResult => {
    runs++;
    return runScenario(scenario, { ...o, seed: shrunk.seed, windows, plan: new SchedulePlan({ seed: shrunk.seed, windows, events, choices }) });
  };
  for (const step of order) {
    if (runs >= budget) break;
    const ev: ScheduledEvent[] = [{ event: 'irq', step }];
    const r = run(ev, []);
    if (!r.ok && r.category === shrunk.category) return { found: r, runs };
    const i = r.picks.findIndex((p) => p.ordinal + 1 >= step);
    const p = r.picks[i];
    if (p === undefined) continue;
    for (let a = 1; a < p.width && runs < budget; a++) {
      const q = run(ev, [{ point: 'pick', nth: i + 1, answer: a }]);
      if (!q.ok && q.category === shrunk.category) return { found: q, runs };
    }
  }
  return { found: null, runs };
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
