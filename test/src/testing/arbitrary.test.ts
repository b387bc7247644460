/**
 * Schedules as fast-check values (src/testing/arbitrary.ts): test.prop over schedule(),
 * shrinking of a failing schedule to a minimal one (fewer events, placed earlier), the
 * counterexample printed as its replay string, and shrinkFailure keeping the category.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { bank } from '../../../examples/race-bank';
import { resumeRace } from '../../../examples/race-resume';
import { MAX_IN_A_ROW, replay, runSchedule, schedule, ScheduleValue, shrinkFailure } from '../../../src/testing/index';

describe('test.prop([schedule()])', () => {
  test.prop([schedule({ windows: ['check'], kinds: ['irq', 'rv'], maxEvents: 2, maxStep: 8 })], { numRuns: 60 })(
    'the locked bank keeps its books under any two events in its windows',
    (s) => {
      const r = runSchedule(bank({ locked: true }), s);
      expect(r.failure).toBeNull();
    },
  );

  test.prop([schedule({ seed: fc.integer({ min: 1, max: 50 }), choices: ['tie'], maxEvents: 1, maxStep: 400 })], { numRuns: 25 })(
    'the resume window with the check on survives any interrupt, seed and tie choice',
    (s) => {
      expect(runSchedule(resumeRace({ unsafe: false }), s).failure).toBeNull();
    },
  );
});

describe('shrinking', () => {
  it('a failing property shrinks to one event at the earliest failing point, printed as a replay string', () => {
    const out = fc.check(
      fc.property(schedule({ windows: ['check'], maxEvents: 4, maxStep: 8 }), (s) => runSchedule(bank(), s).ok),
      { seed: 42, numRuns: 200 },
    );
    expect(out.failed).toBe(true);
    const s = out.counterexample?.[0];
    expect(s).toBeInstanceOf(ScheduleValue);
    expect(s!.events).toEqual([{ event: 'irq', step: 1 }]); // fewer, earlier: one interrupt at the first window instruction
    expect(fc.stringify(s)).toBe('schedule("s1;irq@main/1:teller:check#1+0")');
    expect(replay(bank(), s!.lastReplay!).failure).toMatch(/an update was lost/);
  });

  it('shrinkFailure shrinks a many-event failure without trading it for another bug', () => {
    const s = new ScheduleValue(1, ['resume'], [{ event: 'irq', step: 30 }, { event: 'irq', step: 41 }, { event: 'irq', step: 50 }], []);
    const failing = runSchedule(resumeRace({ unsafe: true }), s);
    expect(failing.ok).toBe(false);
    const { result, runs } = shrinkFailure(resumeRace({ unsafe: true }), failing);
    expect(result.category).toBe(failing.category);
    expect(result.fired.length).toBe(1);
    expect(result.schedule.events[0]!.step).toBeLessThan(30);
    expect(runs).toBeGreaterThan(1);
  });
});

describe('schedules are always valid and shrinking is bounded', () => {
  it('a hundred events at one ordinal land at most MAX_IN_A_ROW - 1 there, with no PlanError', () => {
    const s = new ScheduleValue(1, ['check'], Array.from({ length: 100 }, () => ({ event: 'irq' as const, step: 1 })), []);
    const r = runSchedule(bank({ locked: true }), s);
    expect(r.failure).toBeNull();
    expect(r.fired.length).toBe(MAX_IN_A_ROW - 1);
  });

  it('shrinkFailure spends at most its budget of runs', () => {
    const events = Array.from({ length: 12 }, (_, i) => ({ event: 'irq' as const, step: 2 + 4 * i }));
    const failing = runSchedule(resumeRace({ unsafe: true }), new ScheduleValue(1, ['resume'], events, []));
    expect(failing.ok).toBe(false);
    const { runs, reproduced } = shrinkFailure(resumeRace({ unsafe: true }), failing, { budget: 10 });
    expect(reproduced).toBe(true);
    expect(runs).toBeLessThanOrEqual(10);
  });
});
