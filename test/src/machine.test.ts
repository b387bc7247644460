/**
 * The Machine facade: determinism (trace hash), configuration errors, thread-API
 * misuse errors, deadlock and limit reports.
 */
import { describe, expect, it } from 'vitest';
import {
  compute, ConfigError, detach, DetachError, join, JoinDetachedError, JoinSelfError, JoinTwiceError,
  Machine, Mutex, OutsideThreadError, self, sleep, spawn, yieldNow, ArgumentError, ForeignThreadError,
} from '../../src/index';
import type { Code, MachineOptions, Report, Thread } from '../../src/index';
import { crashOf } from '../faults';

function* busy(n: number): Code<number> {
  let s = 0;
  for (let i = 0; i < 20; i++) {
    yield* compute(700 + ((n * 131 + i * 17) % 900));
    if (i % 3 === n % 3) yield* yieldNow();
    s += i;
  }
  return s + n;
}

function* program(): Code<number[]> {
  const m = new Mutex('shared');
  const ts: Thread<number>[] = [];
  for (let i = 0; i < 12; i++) {
    ts.push(yield* spawn(function* job(): Code<number> {
      const v = yield* busy(i);
      yield* m.lock();
      yield* compute(200);
      yield* m.unlock();
      yield* sleep(1_000 * (i % 4));
      return v;
    }));
  }
  const out: number[] = [];
  for (const t of ts) out.push(yield* join(t));
  return out;
}

function runProgram(o: MachineOptions, vcpus: number): Report {
  const m = new Machine(o);
  m.process({ vcpus }, program);
  return m.run();
}

describe('determinism', () => {
  it('the same seed gives an identical run (trace hash, twice), on 1-4 vCPUs', () => {
    for (const vcpus of [1, 2, 4]) {
      const o: MachineOptions = { cpus: 4, seed: 42, costs: { quantum: 5_000 } };
      const a = runProgram(o, vcpus);
      const b = runProgram(o, vcpus);
      expect(a.outcome.kind).toBe('completed');
      expect(a.traceHash).toBe(b.traceHash);
      expect(a.traceEvents).toBe(b.traceEvents);
      expect(a.endTime).toBe(b.endTime);
      expect(a.counts).toEqual(b.counts);
      expect(a.processes[0]?.mainResult).toEqual(b.processes[0]?.mainResult);
    }
  });

  it('another seed changes the schedule (timer jitter) but not the results', () => {
    const a = runProgram({ cpus: 2, seed: 1, costs: { quantum: 5_000 } }, 2);
    const b = runProgram({ cpus: 2, seed: 2, costs: { quantum: 5_000 } }, 2);
    expect(a.traceHash).not.toBe(b.traceHash);
    expect(a.processes[0]?.mainResult).toEqual(b.processes[0]?.mainResult);
  });

  it('recording the trace does not change the hash', () => {
    const a = runProgram({ cpus: 2, seed: 9 }, 2);
    const b = runProgram({ cpus: 2, seed: 9, trace: true }, 2);
    expect(a.traceHash).toBe(b.traceHash);
    expect(b.trace?.length).toBe(b.traceEvents);
  });
});

describe('configuration errors', () => {
  const bad: [MachineOptions, RegExp][] = [
    [{ cpus: 0 }, /Machine\.cpus: must be between 1 and 256, got 0/],
    [{ cpus: 2.5 }, /Machine\.cpus: must be an integer/],
    [{ preset: 'vax' }, /preset: unknown cost preset 'vax'/],
    [{ costs: { trapEntry: -5 } }, /costs\.trapEntry: must be a non-negative integer/],
    [{ costs: { diskLatency: -100 } }, /costs\.diskLatency: must be a non-negative integer/],
    [{ daemons: { period: 0, burst: 1 } }, /daemons\.period/],
    [{ costs: { warp: 1 } as never }, /costs\.warp: unknown primitive cost/],
    [{ seed: 1.5 }, /Machine\.seed: must be an integer/],
    [{ onViolation: 'explode' as never }, /Machine\.onViolation/],
    [{ inject: [{ at: 'nowhere+1' }] }, /inject\[0\]\.at: no code symbol 'nowhere'/],
    [{ inject: [{ at: 'resume+9' }] }, /inject\[0\]\.at: 'resume\+9' lies outside its routine/],
    [{ frobnicate: true } as never, /Machine: unknown option 'frobnicate'/],
  ];
  for (const [o, msg] of bad) {
    it(`rejects ${JSON.stringify(o)}`, () => {
      expect(() => new Machine(o)).toThrow(ConfigError);
      expect(() => new Machine(o)).toThrow(msg);
    });
  }

  it('rejects bad processes', () => {
    const m = new Machine({ cpus: 2 });
    expect(() => m.process({ vcpus: 3 }, program)).toThrow(/process 'p0'\.vcpus: 3 vCPUs exceed the machine's 2 CPU/);
    expect(() => m.process({ policy: 'lottery' as never }, program)).toThrow(/policy: unknown policy 'lottery'/);
    expect(() => m.process({ mapping: 'M:M' as never }, program)).toThrow(/mapping: unknown mapping 'M:M'/);
    expect(() => m.process({ mapping: 'N:1', vcpus: 2 }, program)).toThrow(/'N:1' process has exactly one kernel thread/);
    expect(() => m.process({ mapping: '1:1', activations: true }, program)).toThrow(/only an 'M:N' mapping chooses activations/);
    expect(() => m.process({ heavyweight: true }, program)).toThrow(/only a '1:1' process can be heavyweight/);
    expect(() => m.process({ memory: { residentPages: 0 } }, program)).toThrow(/memory\.residentPages: must be between 1/);
    expect(() => m.process({ vcpus: 2, maxActivations: 2 }, program)).toThrow(/maxActivations: must be between 3/);
    expect(() => m.process({}, 42 as never)).toThrow(/main must be a generator function/);
    expect(() => new Machine().run()).toThrow(/no process was added/);
  });

  it('a machine runs once', () => {
    const m = new Machine();
    m.process({}, program);
    m.run();
    expect(() => m.run()).toThrow(/runs once/);
  });
});

describe('thread API misuse gets typed errors naming what and where', () => {
  const runMain = (main: () => Code<unknown>): Report => {
    const m = new Machine({ cpus: 1 });
    m.process({}, main);
    return m.run();
  };
  // What the thread died of (the cause of its process's ThreadCrashError).
  const died = (main: () => Code<unknown>): Error => {
    const c = crashOf(runMain(main));
    if (!(c instanceof Error)) throw new Error(`expected an Error, got ${String(c)}`);
    return c;
  };

  it('joining oneself', () => {
    expect(died(function* () { yield* join(yield* self()); })).toBeInstanceOf(JoinSelfError);
    expect(died(function* main() { yield* join(yield* self()); }).message).toMatch(/join: T1\(main\) tried to join itself/);
  });

  it('joining a detached thread, detaching twice', () => {
    expect(died(function* () {
      const t = yield* spawn(function* kid() { yield* compute(10); });
      yield* detach(t);
      yield* join(t);
    })).toBeInstanceOf(JoinDetachedError);
    expect(died(function* () {
      const t = yield* spawn(function* kid() { yield* compute(10); });
      yield* detach(t);
      yield* detach(t);
    })).toBeInstanceOf(DetachError);
  });

  it('joining twice, and two joiners', () => {
    expect(died(function* () {
      const t = yield* spawn(function* kid() { yield* compute(10); });
      yield* join(t);
      yield* join(t);
    })).toBeInstanceOf(JoinTwiceError);
    expect(died(function* () {
      const t = yield* spawn(function* kid() { yield* compute(100_000); });
      const other = yield* spawn(function* other() { yield* join(t); });
      yield* compute(10);
      yield* join(t);
      yield* join(other);
    }).message).toMatch(/join: T3\(other\): T2\(kid\) is already joined by T1\(main\)/);
  });

  it('a thread error can be caught inside the thread', () => {
    const r = runMain(function* () {
      try {
        yield* join(yield* self());
      } catch (e) {
        return (e as Error).name;
      }
      return 'no error';
    });
    expect(r.processes[0]?.mainResult).toBe('JoinSelfError');
  });

  it('a thread operation called outside a green thread', () => {
    expect(() => spawn(function* () {}).next()).toThrow(OutsideThreadError);
    expect(() => compute(5).next()).toThrow(/compute: called outside a green thread/);
    expect(() => new Mutex().lock().next()).toThrow(OutsideThreadError);
  });

  it('bad arguments and foreign handles', () => {
    expect(died(function* () { yield* compute(-1); })).toBeInstanceOf(ArgumentError);
    expect(died(function* () { yield* sleep(1.5); }).message).toMatch(/sleep: duration must be a non-negative integer/);
    expect(died(function* () { yield* spawn((() => 5) as never); }).message).toMatch(/must be a generator function/);
    expect(died(function* () { yield* join({ id: 1, name: 'x' } as Thread); })).toBeInstanceOf(ForeignThreadError);
  });
});

describe('runs that cannot go on end with a report', () => {
  it('a deadlock names every blocked thread, what it waits for, and the cycle', () => {
    const r = (() => {
      const m = new Machine({ cpus: 2 });
      m.process({ vcpus: 2 }, function* main() {
        const a = new Mutex('a');
        const b = new Mutex('b');
        const t1 = yield* spawn(function* one() { yield* a.lock(); yield* compute(50_000); yield* b.lock(); });
        const t2 = yield* spawn(function* two() { yield* b.lock(); yield* compute(50_000); yield* a.lock(); });
        yield* join(t1);
        yield* join(t2);
      });
      return m.run();
    })();
    expect(r.ok).toBe(false);
    expect(r.outcome.kind).toBe('deadlock');
    if (r.outcome.kind !== 'deadlock') return;
    const by = Object.fromEntries(r.outcome.blocked.map((b) => [b.thread, b.waitsFor]));
    expect(by['T1(main)']).toBe('join of T2(one)');
    expect(by['T2(one)']).toBe('mutex b (held by T3(two))');
    expect(by['T3(two)']).toBe('mutex a (held by T2(one))');
    expect([...r.outcome.cycle].sort()).toEqual(['T2(one)', 'T3(two)']);
  });

  it('a step limit ends the run with a limit report, never a hang', () => {
    const m = new Machine({ maxSteps: 1_000 });
    m.process({}, function* () { for (;;) yield* yieldNow(); });
    const r = m.run();
    expect(r.outcome).toMatchObject({ kind: 'limit', what: 'steps' });
  });

  it('a time limit likewise', () => {
    const m = new Machine({ maxTime: 1_000_000 });
    m.process({}, function* () { for (;;) yield* compute(10_000); });
    expect(m.run().outcome).toMatchObject({ kind: 'limit', what: 'time', activity: [{ cpu: 0, pc: 'user', spinRun: 0 }] });
  });
});
