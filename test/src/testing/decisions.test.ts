/**
 * One decision source: every choice a run may vary goes through it and shows in the
 * replay string. Each kind of decision, taken by a replay token, changes the run the
 * way it says: which CPU steps on a tie, which queued disk request is served next,
 * which vCPU the allocator revokes, whether a touch of a resident page faults, and
 * events landed before an instruction (an interrupt, a page fault in thread code, a vCPU
 * revocation); a page fault a strict plan lands in dispatcher code is a ConfigError.
 */
import { describe, expect, it } from 'vitest';
import { compute, join, now, read, spawn, step, touch } from '../../../src/index';
import type { Code, Machine, ProcessOptions, Report } from '../../../src/index';
import { ConfigError } from '../../../kernel-sim/errors';
import { at, explore, random, replay, runScenario } from '../../../src/testing/index';
import type { Scenario } from '../../../src/testing/index';

function scenario(po: ProcessOptions, main: () => Code<unknown>, cpus = 1, extra: object = {}): Scenario {
  return { machine: { cpus, seed: 5, trace: true, ...extra }, setup: (m: Machine) => void m.process(po, main) };
}

const trace = (r: { report: Report | null }, kind: string) => (r.report?.trace ?? []).filter((e) => e.kind === kind);

describe('ties', () => {
  const s = scenario({ vcpus: 2 }, function* (): Code<void> {
    const ts = [];
    for (let i = 0; i < 2; i++) ts.push(yield* spawn(function* w(): Code<void> { yield* compute(500); }));
    for (const t of ts) yield* join(t);
  }, 2);

  it('tie#1=1 lets the other CPU step first: another run, reproduced exactly', () => {
    const base = runScenario(s);
    const r = replay(s, 's5;tie#1=1');
    expect(r.ok).toBe(true);
    expect(r.replay).toBe('s5;tie#1=1');
    expect(r.traceHash).not.toBe(base.traceHash);
    expect(replay(s, 's5;tie#1=1').traceHash).toBe(r.traceHash);
  });

  it('random strategy choices are recorded as tie tokens and replay exactly', () => {
    const strategy = random({ rate: 1_000_000, choices: true, seed: 9 });
    expect(explore(s, { strategy, runs: 5 }).failures).toBe(0);
    const p = strategy.plan(3) as NonNullable<ReturnType<typeof strategy.plan>>;
    const run = runScenario(s, { seed: p.seed, plan: p.plan });
    expect(run.replay).toMatch(/^s12;tie#\d+=\d/);
    expect(replay(s, run.replay).traceHash).toBe(run.traceHash);
  });
});

describe('disk service order (io)', () => {
  const finish: string[] = [];
  const s = scenario({ vcpus: 1 }, function* (): Code<void> {
    finish.length = 0;
    const ts = [];
    for (const name of ['a', 'b', 'c']) {
      ts.push(yield* spawn(function* reader(): Code<void> {
        yield* read(1024);
        finish.push(name);
      }));
    }
    for (const t of ts) yield* join(t);
  });

  it('FIFO by default; io#1=1 serves the newest waiting request first', () => {
    runScenario(s);
    expect(finish).toEqual(['a', 'b', 'c']);
    const r = replay(s, 's5;io#1=1');
    expect(r.ok).toBe(true);
    expect(finish).toEqual(['a', 'c', 'b']);
  });

  it('an io answer beyond the queue is an error naming it', () => {
    expect(() => replay(s, 's5;io#1=2')).toThrow(/token 2 'io#1=2': io #1 offered 2 choice\(s\), 0\.\.1/);
  });
});

describe('allocator victims', () => {
  // bursty asks for its processors back between rounds: the allocator takes them from steady
  const s: Scenario = {
    machine: { cpus: 4, seed: 2, trace: true },
    setup(m: Machine): void {
      m.process({ name: 'bursty', vcpus: 4 }, function* (): Code<void> {
        for (let round = 0; round < 2; round++) {
          const ts = [];
          for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* b(): Code<void> { yield* compute(100_000); }));
          for (const t of ts) yield* join(t);
          yield* compute(5_000);
        }
      });
      m.process({ name: 'steady', vcpus: 4 }, function* (): Code<void> {
        const ts = [];
        for (let i = 0; i < 8; i++) ts.push(yield* spawn(function* w(): Code<void> { for (let j = 0; j < 10; j++) yield* compute(20_000); }));
        for (const t of ts) yield* join(t);
      });
    },
  };
  const revoked = (r: ReturnType<typeof runScenario>) => trace(r, 'vcpu-revoke').map((e) => e.a);

  it('by default the allocator takes the last of steady\'s vCPUs; victim#1=0 makes it take the first', () => {
    const base = runScenario(s);
    expect(base.ok).toBe(true);
    expect(revoked(base)[1]).toBe(6); // steady.v2 (dcbs 4..7 are steady's)
    const r = replay(s, 's2;victim#1=0');
    expect(r.ok).toBe(true);
    expect(revoked(r)[1]).toBe(4); // steady.v0
  });
});

describe('page faults', () => {
  const paged = (po: ProcessOptions) => scenario(po, function* (): Code<number> {
    for (let i = 0; i < 3; i++) yield* touch(3);
    return 3;
  });

  it('pf@main:page3#2 makes the 2nd touch of a resident page fault (kernel paging: one more disk read)', () => {
    const s = paged({ memory: { residentPages: 4 } });
    const base = runScenario(s);
    expect(base.report?.processes[0]?.memory?.faults).toBe(1);
    const r = replay(s, 's5;pf@main:page3#2');
    expect(r.ok).toBe(true);
    expect(r.report?.processes[0]?.memory?.faults).toBe(2);
    expect(r.report?.counts.diskRequests).toBe(2);
  });

  it('with the user-level pager the forced fault is one more pagefault upcall and SYS_MAP', () => {
    const s = paged({});
    const maps = (r: ReturnType<typeof runScenario>) => trace(r, 'syscall').filter((e) => e.b === 3).length;
    expect(maps(runScenario(s))).toBe(1);
    expect(maps(replay(s, 's5;pf@main:page3#3'))).toBe(2);
  });

  it('a page fault landed on thread code blocks that thread for a page-in and it carries on', () => {
    const s = scenario({ memory: { residentPages: 4 } }, function* (): Code<number> {
      const t0 = yield* now();
      for (let i = 0; i < 10; i++) yield* step();
      return (yield* now()) - t0;
    });
    const r = replay(s, 's5;pf@main:5');
    expect(r.ok).toBe(true);
    expect(r.report!.processes[0]!.mainResult as number).toBeGreaterThan(100_000); // a disk read's worth
    expect(trace(r, 'block').length).toBe(1);
  });

  it('a page fault a replay string or `at` lands in dispatcher code is a ConfigError naming the point (fatal by design there, as on Barrelfish)', () => {
    const s = scenario({}, function* (): Code<void> { yield* compute(10); });
    const why = /a page fault cannot land before sched\+1 on cpu0: that point runs disabled \(dispatcher code or a critical section/;
    expect(() => replay(s, 's5;pf@cpu0:sched+1')).toThrow(ConfigError);
    expect(() => replay(s, 's5;pf@cpu0:sched+1')).toThrow(why);
    expect(() => explore(s, { strategy: at(['pf@cpu0:sched+1']) })).toThrow(ConfigError);
    expect(() => explore(s, { strategy: at(['pf@cpu0:sched+1']) })).toThrow(why);
    expect(replay(s, 's5;pf@main:1').ok).toBe(true); // in thread code, enabled, it lands
  });
});

describe('vCPU revocations', () => {
  it('rv lands on an activations vCPU: revoked and given back, the thread handed back by a preempted notice', () => {
    const s = scenario({ vcpus: 1 }, function* (): Code<number> {
      let n = 0;
      for (let i = 0; i < 10; i++) { yield* step(); n++; }
      return n;
    });
    const r = replay(s, 's5;rv@main:4');
    expect(r.ok).toBe(true);
    expect(r.report?.processes[0]?.mainResult).toBe(10);
    expect(trace(r, 'vcpu-revoke').length).toBe(1);
    expect(trace(r, 'vcpu-add').length).toBe(2); // the first assignment and the return
  });
});
