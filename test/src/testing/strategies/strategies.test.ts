/**
 * Strategies that choose who runs (issue 10): picks and stalls go through the one decision
 * source (recorded, replayed, shrunk); PCT over threads meets its printed bound on
 * programs of known depth and says why where the bound does not apply; bounded search
 * runs schedules smallest cost first and prints the next level; shrinking leaves no spare
 * token.
 */
import { describe, expect, it } from 'vitest';
import { bank } from '../../../../examples/race-bank';
import { join, Machine, spawn, step, yieldNow } from '../../../../src/index';
import type { Code } from '../../../../src/index';
import { exhaustive, explore, formatExplore, pct, random, replay, ReplayError, runScenario } from '../../../../src/testing/index';
import type { Plan, Scenario } from '../../../../src/testing/index';

/** An order bug of depth 1: B must not run before A has set the flag (the default order runs A first). */
function orderBug(vcpus = 1): Scenario {
  let st = { x: 0, seen: -1 };
  return {
    machine: { cpus: vcpus, seed: 1, costs: { quantum: 1_000_000 } },
    setup(m: Machine): void {
      st = { x: 0, seen: -1 };
      const s = st;
      m.process({ vcpus }, function* main(): Code<void> {
        const a = yield* spawn(function* setter(): Code<void> { yield* step(); s.x = 1; });
        const b = yield* spawn(function* reader(): Code<void> { yield* step(); s.seen = s.x; });
        yield* join(a);
        yield* join(b);
      });
    },
    check: () => st.seen === 1 || `the reader ran first and saw ${st.seen}`,
  };
}

describe('picks', () => {
  it('a pick answer is recorded by thread path and replays to the same run', () => {
    const plan: Plan = { step: () => 0, choose: (p) => (p.kind === 'pick' ? p.threads.length - 1 : -1) };
    const r = runScenario(orderBug(), { plan });
    expect(r.ok).toBe(false);
    expect(r.replay).toMatch(/pick#1=main\/2:reader/);
    const again = replay(orderBug(), r.replay);
    expect(again.traceHash).toBe(r.traceHash);
    expect(again.ok).toBe(false);
  });

  it('a plan answering the default at every pick is the untested run', () => {
    const plan: Plan = { step: () => 0, choose: (p) => (p.kind === 'pick' ? 0 : -1) };
    const a = runScenario(bank(), { plan });
    const b = new Machine({ ...bank().machine }).process({}, function* main(): Code<void> { yield* yieldNow(); });
    void b;
    expect(a.traceHash).toBe(runScenario(bank()).traceHash);
    expect(a.replay).toBe('s1');
  });

  it('a pick token naming a thread that is not ready there is a ReplayError', () => {
    expect(() => replay(orderBug(), 's1;pick#1=main/9:ghost')).toThrow(ReplayError);
    expect(() => replay(orderBug(), 's1;pick#1=main/9:ghost')).toThrow(/main\/9:ghost is not ready at pick #1/);
  });
});

describe('stalls', () => {
  it('on two vCPUs a stall of the setter lets the reader run first; the failure replays and shrinks', () => {
    const s = orderBug(2);
    expect(runScenario(s).ok).toBe(true);
    const r = explore(s, { strategy: random({ kinds: ['st'], rate: 3, choices: false }), runs: 300, stopAtFirst: true });
    expect(r.firstFailure).not.toBeNull();
    expect(r.firstFailure?.replay).toMatch(/^s\d+(;st@[^;]+=\d+)+$/); // found by stalls alone
    expect(r.shrunk!.events).toBeLessThanOrEqual(3); // then the smallest failure within the search budget
    const again = replay(s, r.shrunk!.replay);
    expect(again.ok).toBe(false);
    expect(again.replay).toBe(r.shrunk!.replay);
  });

  it('with no other CPU busy a stall cannot land: a replay string that asks for one is an error', () => {
    expect(() => replay(orderBug(1), 's1;st@main/1:setter:1=200')).toThrow(/no other CPU is busy/);
  });
});

describe('PCT over threads', () => {
  const cases: readonly [string, () => Scenario, number][] = [
    ['order bug, depth 1', () => orderBug(), 1],
    ['bank, depth 2', () => bank(), 2],
    ['bank inside its window, searched with d = 3', () => bank(), 3],
  ];
  for (const [title, make, d] of cases) {
    it(`${title}: the measured hit rate is at least the printed bound`, () => {
      const r = explore(make(), { strategy: pct({ depth: d, ...(d === 3 ? { windows: ['check'] } : {}) }), runs: 400, shrink: false });
      const bound = r.stats['perRunBound'];
      expect(typeof bound).toBe('number');
      expect(r.hitRate).toBeGreaterThanOrEqual(bound as number);
      expect(r.failures).toBeGreaterThan(0);
    });
  }

  it('the bound is not printed where PCT cannot choose who runs, and says why', () => {
    const s = orderBug();
    const one: Scenario = { ...s, setup: (m) => { s.setup(m); } };
    const r11 = explore({ ...one, machine: { cpus: 2 }, setup(m: Machine): void { m.process({ vcpus: 2, mapping: '1:1' }, function* main(): Code<void> { yield* step(); }); } }, { strategy: pct(), runs: 5 });
    expect(String(r11.stats['bound'])).toMatch(/not printed: under 1:1 the kernel/);
    const rn1 = explore({ setup(m: Machine): void { m.process({ mapping: 'N:1' }, function* main(): Code<void> { yield* step(); }); } }, { strategy: pct(), runs: 5 });
    expect(String(rn1.stats['bound'])).toMatch(/not printed: without scheduler activations/);
    expect(r11.stats['perRunBound']).toBeUndefined();
  });
});

describe('bounded search', () => {
  it('delay bounding finds the order bug at cost 1 (one decision), and prints the next level', () => {
    const r = explore(orderBug(), { strategy: exhaustive({ bound: 2 }), stopAtFirst: true });
    expect(r.firstFailure).not.toBeNull();
    expect(r.firstFailure?.events).toBe(1);
    expect(r.stats['cost']).toBe(1);
    expect(typeof r.stats['nextLevel']).toBe('number');
    expect(formatExplore(r)).toMatch(/nextLevel \d+/);
  });

  it('preemption bounding explores picks for free: every schedule at cost 0 runs first', () => {
    const r = explore(orderBug(), { strategy: exhaustive({ bound: 1, mode: 'preemption' }), stopAtFirst: true });
    expect(r.firstFailure).not.toBeNull();
    expect(r.firstFailure?.events).toBe(1); // one pick, no event
  });

  it('preemption bounding, bound 1, finds the bank bug with one preemption inside its window', () => {
    const r = explore(bank(), { strategy: exhaustive({ bound: 1, mode: 'preemption', windows: ['check'] }), stopAtFirst: true });
    expect(r.shrunk?.events).toBe(1);
    expect(r.shrunk?.replay).toMatch(/^s1;irq@main\/\d:teller:check#1\+\d+$/);
  });
});

describe('shrinking on tokens', () => {
  it('random finds the bank bug; the shrunk string has no spare token and replays', () => {
    const r = explore(bank(), { strategy: random({ rate: 4 }), runs: 200, stopAtFirst: true });
    expect(r.shrunk).not.toBeNull();
    const s = r.shrunk!;
    expect(s.events).toBeLessThanOrEqual(2);
    expect(s.replay.length).toBeLessThan(200);
    const again = replay(bank(), s.replay);
    expect(again.ok).toBe(false);
    expect(again.replay).toBe(s.replay); // every token fired: none spare
  });
});
