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
import type { Plan, Scenario, Strategy } from '../../../src/testing/index';
import { compute } from '../../../src/index';
import type { Code, Machine, Report } from '../../../src/index';

describe('the canonical window: resume with unsafeNoCritCheck', () => {
  // A failure here is the corruption itself (a lost thread, a livelock): the detection
  // layers only record (onViolation 'record') and the invariants are off.
  const off = resumeRace({ unsafe: true });

  it('exhaustive finds the corruption with one interrupt, at resume+1 of the first resume', () => {
    const r = explore(off, { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false });
    expect(r.baseline.ok).toBe(true);
    expect(r.runs).toBe(r.baseline.counted); // one placement per counted instruction
    expect(r.stats.complete).toBe('yes');
    expect(r.firstFailure?.events).toBe(1);
    expect(r.firstFailure?.failure).toMatch(/^livelock: cpu0 at resume\+[123]; lost T1\(main\)$/);
    expect(r.shrunk?.replay).toBe('s1;irq@main:resume+1');
    expect(r.shrunk?.category).toBe('livelock');
    expect(r.deterministic).toBe(true);
    // every instruction of resume got an interrupt; only the one right after the clear loses the thread
    expect(r.coverage.pcsHit('resume')).toBe(4);
    expect(r.failures / r.runs).toBeCloseTo(1 / 4, 5);
  });

  it('with the invariants on, the broken predicate is caught at the landing, in every pc after the clear', () => {
    const r = explore(off, { strategy: exhaustive({ bound: 1, windows: ['resume'] }) });
    expect(r.shrunk?.category).toBe('invariant:crit-implies-disabled');
    expect(r.shrunk?.replay).toBe('s1;irq@main:resume+1');
    expect(r.failures / r.runs).toBeCloseTo(3 / 4, 5); // resume+1..3: treated as enabled inside the range
  });

  it('with the check on, exhaustive covers every placement of the window and finds nothing', () => {
    const r = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }) });
    expect(r.failures).toBe(0);
    expect(r.firstFailure).toBeNull();
    expect(r.stats.placements).toBe(r.baseline.counted);
    expect(r.stats.placements).toBeGreaterThan(40);
    expect(r.stats.complete).toBe('yes');
    expect(r.coverage.data.windows.resume?.irq).toBeGreaterThanOrEqual(r.runs);
    expect(formatExplore(r)).toMatch(/exhaustive: \d+ runs over resume .*\n  0 failing/);
  });

  it('exhaustive with a bound of 2 tries every pair after every single, two at one boundary included', () => {
    const r = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ windows: ['resume'], bound: 2 }), runs: 100_000 });
    const k = r.baseline.counted;
    expect(r.failures).toBe(0);
    expect(r.stats.complete).toBe('yes');
    expect(r.runs).toBeGreaterThan(k + (k * (k + 1)) / 2 - 1); // pairs (o1 <= o2), each run reaching about as far
  });

  it('a run budget that cuts exhaustive short says so', () => {
    const r = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ windows: ['resume'], bound: 2 }), runs: 100 });
    expect(r.runs).toBe(100);
    expect(r.stats.complete).toBe('no: the run budget ended it');
  });

  it('PCT with d = 2 finds it, and its hit rate is at or above the printed per-run bound', () => {
    const r = explore(off, { strategy: pct({ depth: 2, windows: ['resume'] }), runs: 300, invariants: false });
    expect(r.stats.n).toBe(3); // threads: main and two workers
    expect(r.stats.d).toBe(2);
    expect(r.stats.kinds).toBe('irq');
    expect(r.stats.k).toBeGreaterThanOrEqual(r.baseline.counted); // the longest passing run
    const bound = pctBound(3, r.stats.k as number, 2, 300);
    expect(r.stats.perRunBound).toBeCloseTo(bound.perRun, 12);
    expect(r.stats.missBound).toBeCloseTo(bound.miss, 12);
    expect(r.failures).toBeGreaterThan(0);
    expect(r.hitRate).toBeGreaterThanOrEqual(r.stats.perRunBound as number);
    expect(r.shrunk?.replay).toBe('s1;irq@main:resume+1');
    expect(formatExplore(r)).toMatch(/n 3, k \d+, d 2, kinds irq, hitRate \S+, perRunBound \S+, missBound \S+/);
  });

  it('plain random at a realistic timer rate (one interrupt per 50 us quantum of 1 ns instructions) is the baseline: it misses', () => {
    const r = explore(off, { strategy: random({ rate: 50_000 }), runs: 300, invariants: false });
    expect(r.failures).toBeLessThanOrEqual(2); // ~300 x 189 instructions / 50,000 = ~1 event landed in all, rarely in the window
    expect(r.stats.eventsPerRun).toBeLessThan(0.1);
    // a rate far above any timer finds it, at the cost of many events per run
    const hot = explore(off, { strategy: random({ rate: 20 }), runs: 100, invariants: false });
    expect(hot.failures).toBeGreaterThan(3);
    expect(hot.shrunk!.events).toBe(1);
  });
});

describe('PCT with several event kinds', () => {
  it('the per-run bound is the paper\'s 1/(n*k^(d-1)) over threads whatever the kinds, and the hit rate stays above it', () => {
    for (const kinds of [['irq'], ['irq', 'pf'], ['pf', 'irq', 'rv']] as const) {
      const r = explore(bank(), { strategy: pct({ depth: 2, windows: ['check'], kinds }), runs: 400, shrink: false });
      expect(r.stats.kinds).toBe(kinds.join(','));
      expect(r.stats.perRunBound).toBeCloseTo(1 / ((r.stats.n as number) * (r.stats.k as number)), 12);
      expect(r.hitRate, kinds.join()).toBeGreaterThanOrEqual(r.stats.perRunBound as number);
    }
    expect(pct({ kinds: ['irq', 'irq'] }).stats(0, 0).kinds).toBe('irq'); // duplicates do not count
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

  it('page faults (with kernel paging) and revocations expose it too: the vCPU runs the other teller meanwhile', () => {
    for (const [kind, paged] of [['pf', true], ['rv', false]] as const) {
      const r = explore(bank({ paged }), { strategy: exhaustive({ bound: 1, windows: ['check'], kinds: [kind] }) });
      expect(r.failures, kind).toBeGreaterThan(0);
      expect(r.shrunk?.replay).toMatch(new RegExp(`^s1;${kind}@main/[12]:teller:check#\\d\\+\\d$`)); // in a teller's window
    }
    // with the user-level pager a page fault resumes the same teller: no switch, no race
    expect(explore(bank(), { strategy: exhaustive({ bound: 1, windows: ['check'], kinds: ['pf'] }) }).failures).toBe(0);
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
    const r = explore(bank(), { strategy: exhaustive({ bound: 1, windows: ['check'], kinds: ['irq', 'rv'] }) });
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
    expect(r.firstFailure?.replay).toMatch(/^s1;irq@main\/[12]:teller:check#2\+0$/);
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

describe('the explorer checks itself', () => {
  it('a scenario whose setup is not repeatable is a ConfigError (state leaked out of setup), not a reported failure', () => {
    let cold = true;
    const flaky: Scenario = {
      machine: { cpus: 1, seed: 1 },
      setup(m: Machine): void {
        const rounds = cold ? 3 : 1; // program state that leaks between runs: a bug in the scenario
        cold = false;
        m.process({}, function* (): Code<number> {
          for (let i = 0; i < rounds; i++) yield* compute(10);
          return rounds;
        });
      },
      check: (r: Report) => r.processes[0]?.mainResult === 1,
    };
    expect(() => explore(flaky, { strategy: exhaustive(), runs: 3 })).toThrow(/program state leaked out of setup\(\): the baseline run, repeated after \d+ runs, passes where it first failed/);
  });

  it('one strategy object serves several explorations alike', () => {
    for (const [make, scenario] of [[() => exhaustive({ bound: 1, windows: ['resume'] }), () => resumeRace({ unsafe: true })], [() => random({ rate: 3, kinds: ['irq', 'rv'] }), () => bank()]] as const) {
      const strategy = make();
      const windows = strategy.windows === undefined ? { windows: ['check'] } : {};
      const a = explore(scenario(), { strategy, runs: 60, invariants: false, shrink: false, ...windows });
      const b = explore(scenario(), { strategy, runs: 60, invariants: false, shrink: false, ...windows });
      expect(b.runs).toBe(a.runs);
      expect(b.failures).toBe(a.failures);
      expect(b.stats).toEqual(a.stats);
      expect(b.firstFailure?.replay).toBe(a.firstFailure?.replay);
    }
  });

  it('windows that select nothing are a ConfigError, not a silent empty exploration', () => {
    expect(() => explore(resumeRace(), { strategy: exhaustive({ windows: ['resmue'] }) })).toThrow(/explore\.windows: \[resmue\] selected no instruction of the baseline run/);
  });
});
