/**
 * The explorer and its strategies on the two reference bugs:
 *  - the canonical window (resume with the kernel's PC-range check off): exhaustive
 *    finds it with one interrupt and, with the check on, covers every placement and
 *    finds nothing; PCT with d = 2 finds it with a hit rate at or above its printed
 *    bound; plain random at a realistic timer rate is the baseline;
 *  - the planted check-then-act bug of examples/race-bank.ts: PCT finds it and shrinks
 *    it to at most 2 injected events; the locked version passes every placement.
 * Plus: coverage says where events landed, explorations are deterministic, and a
 * strategy written outside the library plugs in.
 */
import { describe, expect, it } from 'vitest';
import { bank } from '../../../examples/race-bank';
import { resumeRace } from '../../../examples/race-resume';
import { INJECT_IRQ, INJECT_NONE } from '../../../kernel-sim/decisions';
import {
  at, explore, exhaustive, formatExplore, pct, pctBound, PlanError, random,
} from '../../../src/testing/index';
import type { Plan, Strategy } from '../../../src/testing/index';

describe('the canonical window: resume with unsafeNoCritCheck', () => {
  it('exhaustive finds the corruption with one interrupt, at resume+1 of the first resume', () => {
    const r = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ windows: ['resume'] }) });
    expect(r.baseline.ok).toBe(true);
    expect(r.runs).toBe(r.baseline.counted); // one placement per counted instruction
    expect(r.failures).toBeGreaterThan(0);
    expect(r.firstFailure?.events).toBe(1);
    expect(r.shrunk?.replay).toBe('s1;irq@cpu0:resume+1');
    expect(r.shrunk?.category).toBe('invariant:crit-implies-disabled');
    expect(r.deterministic).toBe(true);
    // every instruction of resume got an interrupt; 3 of its 4 pcs fail (after the clear)
    expect(r.coverage.pcsHit('resume')).toBe(4);
    expect(r.failures / r.runs).toBeCloseTo(3 / 4, 5);
  });

  it('without the invariants it is the corruption itself: a lost thread and a livelock', () => {
    const s = resumeRace({ unsafe: true });
    const quiet = { ...s, machine: { ...s.machine, onViolation: 'record' as const } };
    const r = explore(quiet, { strategy: at(['irq@cpu0:resume+1#3']), invariants: false });
    expect(r.firstFailure?.category).toBe('livelock');
    expect(r.firstFailure?.failure).toMatch(/cpu0 at resume\+[123]; lost T\d\(worker\)/);
  });

  it('with the check on, exhaustive covers every placement of the window and finds nothing', () => {
    const r = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ windows: ['resume'] }) });
    expect(r.failures).toBe(0);
    expect(r.firstFailure).toBeNull();
    expect(r.stats.placements).toBe(r.baseline.counted);
    expect(r.stats.placements).toBeGreaterThan(40);
    expect(r.coverage.data.windows.resume?.irq).toBeGreaterThanOrEqual(r.runs);
    expect(formatExplore(r)).toMatch(/exhaustive: \d+ runs over resume .*\n  0 failing/);
  });

  it('exhaustive with a bound of 2 tries every pair after every single', () => {
    const r = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ windows: ['resume'], bound: 2 }), runs: 100_000 });
    const k = r.baseline.counted;
    expect(r.failures).toBe(0);
    expect(r.runs).toBeGreaterThan(k + (k * (k - 1)) / 4); // singles, then pairs (each pair's run reaches about as far)
  });

  it('PCT with d = 2 finds it, and its hit rate is at or above the printed per-run bound', () => {
    const r = explore(resumeRace({ unsafe: true }), { strategy: pct({ depth: 2, windows: ['resume'] }), runs: 300 });
    expect(r.stats.n).toBe(1);
    expect(r.stats.d).toBe(2);
    expect(r.stats.k).toBe(r.baseline.counted);
    const bound = pctBound(1, r.stats.k as number, 2, 300);
    expect(r.stats.perRunBound).toBeCloseTo(bound.perRun, 12);
    expect(r.stats.missBound).toBeCloseTo(bound.miss, 12);
    expect(r.failures).toBeGreaterThan(0);
    expect(r.hitRate).toBeGreaterThanOrEqual(r.stats.perRunBound as number);
    expect(r.shrunk?.events).toBe(1);
    expect(formatExplore(r)).toMatch(/n 1, k \d+, d 2, threads 3, perRunBound \S+, missBound \S+/);
  });

  it('plain random at a realistic timer rate (one interrupt per 50 us quantum of 1 ns instructions) is the baseline: it misses', () => {
    const r = explore(resumeRace({ unsafe: true }), { strategy: random({ rate: 50_000 }), runs: 300 });
    expect(r.failures).toBeLessThanOrEqual(3); // expected hits ~ 300 x 189 / 50,000 x 3/4 x (56/189)
    expect(r.stats.eventsPerRun).toBeLessThan(0.1);
    // a rate far above any timer finds it, at the cost of many events per run
    const hot = explore(resumeRace({ unsafe: true }), { strategy: random({ rate: 20 }), runs: 100 });
    expect(hot.failures).toBeGreaterThan(10);
    expect(hot.shrunk!.events).toBeLessThanOrEqual(hot.firstFailure!.events);
  });
});

describe('the planted check-then-act bug (examples/race-bank.ts)', () => {
  it('PCT finds it and shrinks it to at most 2 injected events', () => {
    const r = explore(bank(), { strategy: pct({ depth: 2, windows: ['check'] }), runs: 100 });
    expect(r.baseline.ok).toBe(true); // the default schedule hides it
    expect(r.failures).toBeGreaterThan(0);
    expect(r.firstFailure?.category).toBe('check');
    expect(r.shrunk!.events).toBeLessThanOrEqual(2);
    expect(r.shrunk!.failure).toMatch(/an update was lost/);
    expect(r.hitRate).toBeGreaterThanOrEqual(r.stats.perRunBound as number);
  });

  it('the locked bank survives every placement of up to two events, of every kind, in its windows', () => {
    const r = explore(bank({ locked: true }), { strategy: exhaustive({ windows: ['check'], bound: 2, kinds: ['irq', 'pf', 'rv'] }) });
    expect(r.failures).toBe(0);
    expect(r.runs).toBeGreaterThan(10);
  });

  it('page faults and revocations expose it too (the vCPU runs the other teller meanwhile)', () => {
    for (const kind of ['rv'] as const) {
      const r = explore(bank(), { strategy: exhaustive({ windows: ['check'], kinds: [kind] }) });
      expect(r.failures, kind).toBeGreaterThan(0);
      expect(r.shrunk?.replay).toMatch(new RegExp(`^s1;${kind}@T\\d:check#\\d\\+\\d$`));
    }
  });
});

describe('the explorer', () => {
  it('is deterministic: the same exploration twice gives the same result', () => {
    const go = () => explore(bank(), { strategy: random({ rate: 3, kinds: ['irq', 'rv'] }), runs: 40, windows: ['check'] });
    const a = go();
    const b = go();
    expect(b.failures).toBe(a.failures);
    expect(b.distinctSchedules).toBe(a.distinctSchedules);
    expect(b.firstFailure?.replay).toBe(a.firstFailure?.replay);
    expect(b.shrunk?.replay).toBe(a.shrunk?.replay);
    expect(b.coverage.data).toEqual(a.coverage.data);
  });

  it('counts distinct schedules by trace hash and reports coverage by window and kind', () => {
    const r = explore(bank(), { strategy: exhaustive({ windows: ['check'], kinds: ['irq', 'rv'] }) });
    expect(r.distinctSchedules).toBeGreaterThan(1);
    expect(r.coverage.data.windows.check?.irq).toBeGreaterThan(0);
    expect(r.coverage.data.windows.check?.rv).toBeGreaterThan(0);
    expect(r.coverage.format(['check'])).toMatch(/check\s+\d+\s+0\s+\d+/);
  });

  it('a strategy written outside the library plugs in: interrupt the 2nd counted instruction of every run', () => {
    const once = (): Plan => {
      let fired = false;
      return {
        step: (p) => {
          if (fired || p.ordinal !== 2) return INJECT_NONE;
          fired = true;
          return INJECT_IRQ;
        },
        choose: () => -1,
      };
    };
    let seen = 0;
    const mine: Strategy = {
      name: 'second',
      windows: ['check'],
      baseline: () => undefined,
      plan: (i) => (i < 3 ? { seed: 1, plan: once() } : null),
      observe: () => { seen++; },
      stats: (runs) => ({ runs }),
    };
    const r = explore(bank(), { strategy: mine });
    expect(r.runs).toBe(3);
    expect(seen).toBe(3);
    expect(r.strategy).toBe('second');
    expect(r.firstFailure?.replay).toMatch(/^s1;irq@T\d:check#2\+0$/);
  });

  it('a plan that lands events forever before one instruction is a PlanError, not a hang', () => {
    const forever: Strategy = {
      name: 'forever', windows: ['check'], baseline: () => undefined,
      plan: (i) => (i === 0 ? { seed: 1, plan: { step: (p) => (p.ordinal === 1 ? INJECT_IRQ : INJECT_NONE), choose: () => -1 } } : null),
      observe: () => undefined, stats: () => ({}),
    };
    expect(() => explore(bank(), { strategy: forever })).toThrow(PlanError);
    expect(() => explore(bank(), { strategy: forever })).toThrow(/landed 64 events in a row, the last before user on cpu0 \(counted instruction 1\), and no counted instruction ran/);
  });

  it('bad options are ConfigErrors naming the option', () => {
    expect(() => pct({ depth: 0 })).toThrow(/pct\.depth: must be an integer >= 1, got 0/);
    expect(() => random({ rate: -1 })).toThrow(/random\.rate: must be an integer >= 1/);
    expect(() => random({ faultRate: 2 })).toThrow(/random\.faultRate: a probability in \[0, 1\], got 2/);
    expect(() => exhaustive({ kinds: ['zz' as never] })).toThrow(/exhaustive\.kinds: unknown event kind 'zz'/);
    expect(() => exhaustive({ kinds: [] })).toThrow(/must name at least one of irq, pf, rv/);
    expect(() => explore(bank(), { strategy: pct(), runs: -2 })).toThrow(/explore\.runs: must be an integer >= 0/);
    expect(() => explore(bank(), {} as never)).toThrow(/explore: options need a strategy/);
  });
});

describe('windows', () => {
  it('switch counts the routines of a thread switch; user counts thread code; dispatcher every routine', () => {
    const counted = (windows: string[]) => explore(resumeRace({ unsafe: false }), { strategy: at([]), windows }).baseline.counted;
    const resume = counted(['resume']);
    const sw = counted(['switch']);
    const disp = counted(['dispatcher']);
    const user = counted(['user']);
    const all = counted([]);
    expect(resume).toBeGreaterThan(0);
    expect(sw).toBeGreaterThan(resume);
    expect(disp).toBeGreaterThan(sw);
    expect(disp + user).toBe(all);
    expect(counted(['all'])).toBe(all);
  });
});
