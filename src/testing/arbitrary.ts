/**
 * Schedules as fast-check values: an arbitrary over decision lists whose shrinking
 * drops events and moves them earlier (and answers toward the default), the runner for
 * one schedule, and the shrinker the explorer uses, built on fast-check's own shrinking
 * of a given failing example.
 *
 *   test.prop([schedule({ windows: ['check'], maxEvents: 2, maxStep: 300 })])('no overdraft', (s) => {
 *     expect(runSchedule(bank, s).ok).toBe(true);
 *   });
 *
 * A failing property prints its counterexample as the replay string of its last run.
 *
 * Invariants:
 *  1. Every value of the arbitrary is a valid schedule (answers are taken modulo range).
 *  2. shrinkFailure keeps the failure's category: it never trades one bug for another,
 *     and it spends at most a budget of runs.
 */
import fc from 'fast-check';
import type { Choice } from './decider';
import { PlanError } from './decider';
import { SchedulePlan } from './plans';
import type { Schedule, ScheduledEvent } from './plans';
import type { ChoiceName, EventName } from './replay';
import type { RunOptions, RunResult, Scenario } from './scenario';
import { runScenario } from './scenario';

/** A schedule that remembers the replay string of its last run, for fast-check's report. */
export class ScheduleValue implements Schedule {
  lastReplay: string | null = null;
  constructor(readonly seed: number, readonly windows: readonly string[], readonly events: readonly ScheduledEvent[], readonly choices: readonly Choice[]) {}

  [fc.toStringMethod](): string {
    return this.lastReplay === null
      ? `schedule(seed ${this.seed}, events ${JSON.stringify(this.events)})`
      : `schedule(${JSON.stringify(this.lastReplay)})`;
  }
}

export interface ScheduleOptions {
  /** The seed: a number (fixed) or an arbitrary of seeds (default 1). */
  readonly seed?: number | fc.Arbitrary<number>;
  /** Windows whose instructions the ordinals count (default: every instruction). */
  readonly windows?: readonly string[];
  readonly kinds?: readonly EventName[];
  /** Most events (default 2) and the largest ordinal (default 1,000). */
  readonly maxEvents?: number;
  readonly maxStep?: number;
  /** Also vary these decisions (default none): up to maxChoices answers, of decisions numbered up to maxNth. */
  readonly choices?: readonly (ChoiceName | 'fault' | 'pick')[];
  readonly maxChoices?: number;
  readonly maxNth?: number;
  readonly maxAnswer?: number;
}

/** The one empty choice list (fc.constant compares by identity when shrinking a given example). */
const NO_CHOICES: Choice[] = [];

interface RawSchedule {
  readonly seed: number;
  readonly windows: readonly string[];
  readonly events: ScheduledEvent[];
  readonly choices: Choice[];
}

function rawArbitrary(o: ScheduleOptions, windows: readonly string[]): fc.Arbitrary<RawSchedule> {
  const kinds = o.kinds ?? ['irq'];
  const maxStep = o.maxStep ?? 1_000;
  const points = o.choices ?? [];
  const seed = typeof o.seed === 'number' || o.seed === undefined ? fc.constant(o.seed ?? 1) : o.seed;
  return fc.record({
    seed,
    windows: fc.constant(windows),
    events: fc.array(fc.record({ event: fc.constantFrom(...kinds), step: fc.integer({ min: 1, max: maxStep }) }), { maxLength: o.maxEvents ?? 2 }),
    choices: points.length === 0
      ? fc.constant(NO_CHOICES)
      : fc.array(fc.record({ point: fc.constantFrom(...points), nth: fc.integer({ min: 1, max: o.maxNth ?? 64 }), answer: fc.integer({ min: 0, max: o.maxAnswer ?? 7 }) }), { maxLength: o.maxChoices ?? 4 }),
  });
}

/** The arbitrary of schedules (invariant 1). */
export function schedule(o: ScheduleOptions = {}): fc.Arbitrary<ScheduleValue> {
  const windows = o.windows ?? [];
  return rawArbitrary(o, windows).map(
    (r) => new ScheduleValue(r.seed, r.windows, r.events, r.choices),
    (v) => {
      if (!(v instanceof ScheduleValue)) throw new Error('not a ScheduleValue');
      return { seed: v.seed, windows: v.windows, events: [...v.events], choices: [...v.choices] };
    },
  );
}

/** Run `scenario` along schedule `s` (its seed and windows). */
export function runSchedule(scenario: Scenario, s: Schedule, o: Omit<RunOptions, 'seed' | 'plan' | 'windows'> = {}): RunResult {
  const r = runScenario(scenario, { ...o, seed: s.seed, windows: s.windows, plan: new SchedulePlan(s) });
  if (s instanceof ScheduleValue) s.lastReplay = r.replay;
  return r;
}

/** Shrinking stops improving after this many runs (the best schedule so far is kept). */
export const SHRINK_BUDGET = 2_000;

/**
 * The smallest schedule that fails like `failing` (same category): fast-check's shrinker
 * from the failing schedule, then one pass that drops each remaining event and choice
 * that is not needed and one that moves each event to the earliest ordinal at which it
 * still fails; run once more for its replay string. At most `budget` runs. When
 * the failing schedule does not fail again as a schedule, `reproduced` is false and the
 * result is `failing` itself.
 */
export function shrinkFailure(
  scenario: Scenario, failing: RunResult, o: Omit<RunOptions, 'seed' | 'plan' | 'windows'> & { readonly budget?: number } = {},
): { readonly result: RunResult; readonly runs: number; readonly reproduced: boolean } {
  const budget = o.budget ?? SHRINK_BUDGET;
  const s = failing.schedule;
  const windows = s.windows;
  const kinds = [...new Set(s.events.map((e) => e.event))];
  const points = [...new Set(s.choices.map((c) => c.point))];
  const maxStep = Math.max(1, failing.counted, ...s.events.map((e) => e.step));
  const example: RawSchedule = {
    seed: s.seed, windows, events: s.events.map((e) => ({ event: e.event, step: e.step })),
    choices: s.choices.length === 0 ? NO_CHOICES : s.choices.map((c) => ({ point: c.point, nth: c.nth, answer: c.answer })),
  };
  let runs = 0;
  const fails = (v: Schedule): boolean => {
    if (runs >= budget) return false; // out of budget: nothing further counts as smaller
    runs++;
    try {
      return runSchedule(scenario, v, o).category === failing.category;
    } catch (e) {
      if (e instanceof PlanError) return false;
      throw e;
    }
  };
  if (!fails(example)) return { result: failing, runs, reproduced: false };
  const arb = rawArbitrary({
    seed: s.seed, kinds: kinds.length === 0 ? ['irq'] : kinds, maxEvents: s.events.length, maxStep,
    choices: points, maxChoices: example.choices.length,
    maxNth: Math.max(64, ...s.choices.map((c) => c.nth)), maxAnswer: Math.max(7, ...s.choices.map((c) => c.answer)),
  }, windows);
  const out = fc.check(fc.property(arb, (v) => !fails(v)), { examples: [[example]], numRuns: 1 });
  let best: Schedule = (out.failed && out.counterexample !== null ? out.counterexample[0] : undefined) ?? example;
  // one pass of single removals: fast-check's array shrinking can stop at a local minimum
  for (let i = best.events.length - 1; i >= 0 && runs < budget; i--) {
    const fewer: Schedule = { ...best, events: best.events.filter((_, j) => j !== i) };
    if (fails(fewer)) best = fewer;
  }
  for (let i = best.choices.length - 1; i >= 0 && runs < budget; i--) {
    const fewer: Schedule = { ...best, choices: best.choices.filter((_, j) => j !== i) };
    if (fails(fewer)) best = fewer;
  }
  // and each event as early as it still fails (fast-check halves; this scans)
  for (let i = 0; i < best.events.length && runs < budget; i++) {
    const e = best.events[i] as ScheduledEvent;
    const floor = i === 0 ? 1 : (best.events[i - 1] as ScheduledEvent).step;
    for (let step = floor; step < e.step && runs < budget; step++) {
      const earlier: Schedule = { ...best, events: best.events.map((x, j) => (j === i ? { event: x.event, step } : x)) };
      if (fails(earlier)) {
        best = earlier;
        break;
      }
    }
  }
  return { result: runSchedule(scenario, best, o), runs, reproduced: true };
}
