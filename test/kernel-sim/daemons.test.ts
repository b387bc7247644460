/**
 * Kernel daemons and regressions found with them: daemons take processors from the
 * applications (immediately, ahead of them) and do not keep a finished run going; a
 * vCPU never ends the process before the main thread exists; sleep timers fire on time
 * whichever vCPU or kernel thread set them; the preemptVcpu downcall.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, compute, join, Machine, Mutex, now, preemptVcpu, read, sleep, spawn, SpinLock } from '../../src/index';
import type { Code, ProcessOptions } from '../../src/index';

function* work(): Code<number> {
  const ts = [];
  for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* w(): Code<void> { yield* compute(400_000); }));
  for (const t of ts) yield* join(t);
  return 4;
}

describe('kernel daemons (seed 1)', () => {
  for (const o of [{ vcpus: 2 }, { vcpus: 2, activations: false }, { mapping: '1:1', vcpus: 2 }] as ProcessOptions[]) {
    it(`take their share of the CPUs from ${JSON.stringify(o)} and end with it`, () => {
      const quiet = new Machine({ cpus: 2, seed: 1 });
      quiet.process(o, work);
      const q = quiet.run();
      const busy = new Machine({ cpus: 2, seed: 1, daemons: { period: 100_000, burst: 50_000 } });
      busy.process(o, work);
      const b = busy.run();
      expect(q.outcome.kind).toBe('completed');
      expect(b.outcome.kind).toBe('completed');
      expect(b.processes[0]?.mainResult).toBe(4);
      // daemons hold each CPU 50 us of every 150 us: the same work takes clearly longer
      expect(b.endTime).toBeGreaterThan(q.endTime * 1.25);
      expect(b.counts.preemptions).toBeGreaterThan(q.counts.preemptions);
      // the run ends with the application, although the daemons loop forever
      expect(b.processes.length).toBe(1);
    });
  }

  it('with activations, a thread on a processor a daemon takes is handed to another vCPU, so the process suffers less', () => {
    function* locked(): Code<number> {
      const l = new SpinLock('s');
      const ts = [];
      for (let i = 0; i < 12; i++) {
        ts.push(yield* spawn(function* w(): Code<void> {
          for (let j = 0; j < 20; j++) {
            yield* l.lock();
            yield* compute(2_000);
            yield* l.unlock();
            yield* compute(20_000);
          }
        }));
      }
      for (const t of ts) yield* join(t);
      return 12;
    }
    const end = (o: ProcessOptions): number => {
      const m = new Machine({ cpus: 6, seed: 1, daemons: { period: 200_000, burst: 100_000 } });
      m.process(o, locked);
      const r = m.run();
      expect(r.outcome.kind).toBe('completed');
      return r.endTime;
    };
    const sa = end({ vcpus: 6 });
    const plain = end({ vcpus: 6, activations: false });
    const oneToOne = end({ mapping: '1:1', vcpus: 6 });
    expect(sa).toBeLessThan(plain);
    expect(sa).toBeLessThan(oneToOne);
  });

  it('rejects bad daemon settings', () => {
    expect(() => new Machine({ daemons: { period: 0, burst: 5 } })).toThrow(/daemons\.period/);
    expect(() => new Machine({ daemons: { period: 10, burst: -1 } })).toThrow(/daemons\.burst/);
  });
});

describe('regressions', () => {
  it('a vCPU that runs first does not end the process before main exists', () => {
    const m = new Machine({ cpus: 2, seed: 1, daemons: { period: 20_000, burst: 5_000 } });
    m.process({ vcpus: 2 }, work);
    const r = m.run();
    expect(r.processes[0]?.threads.length).toBe(5);
    expect(r.processes[0]?.mainResult).toBe(4);
  });

  it('a sleep fires on time even when the kernel thread it was set on is blocked in a read', () => {
    for (const o of [{ vcpus: 2, activations: false }, { vcpus: 2 }, { mapping: '1:1', vcpus: 2 }] as ProcessOptions[]) {
      const m = new Machine({ cpus: 2, seed: 1 });
      m.process(o, function* main(): Code<number> {
        const r = yield* spawn(function* rd(): Code<void> { yield* compute(1_000); yield* read(4096); });
        const t0 = yield* now();
        yield* sleep(20_000);
        const slept = (yield* now()) - t0;
        yield* join(r);
        return slept;
      });
      const slept = m.run().processes[0]?.mainResult as number;
      expect(slept, JSON.stringify(o)).toBeGreaterThanOrEqual(20_000);
      expect(slept, JSON.stringify(o)).toBeLessThan(30_000); // not the ~105 us of the read
    }
  });
});

describe('preemptVcpu downcall (seed 3)', () => {
  it('interrupts another vCPU of the process into its run upcall', () => {
    function* main(): Code<void> {
      const t = yield* spawn(function* long(): Code<void> { yield* compute(300_000); });
      yield* compute(20_000); // the other vCPU is busy with `long` by now
      yield* preemptVcpu(1);
      yield* preemptVcpu(0); // our own: a no-op
      yield* join(t);
    }
    const quiet = new Machine({ cpus: 2, seed: 3, trace: true });
    quiet.process({ vcpus: 2 }, function* (): Code<void> {
      const t = yield* spawn(function* long(): Code<void> { yield* compute(300_000); });
      yield* compute(20_000);
      yield* join(t);
    });
    const base = quiet.run();
    const m = new Machine({ cpus: 2, seed: 3, trace: true });
    m.process({ vcpus: 2 }, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.counts.preemptions).toBe(base.counts.preemptions + 1);
    expect(r.counts.upcalls).toBeGreaterThan(base.counts.upcalls);
  });

  it('is an ArgumentError for another mapping or a vCPU out of range, thrown in the calling thread', () => {
    const attempt = (o: ProcessOptions, v: number): unknown => {
      const m = new Machine({ cpus: 2, seed: 3 });
      m.process(o, function* (): Code<string> {
        try {
          yield* preemptVcpu(v);
          return 'no error';
        } catch (e) {
          return e instanceof ArgumentError ? e.message : `other: ${String(e)}`;
        }
      });
      return m.run().processes[0]?.mainResult;
    };
    expect(attempt({ vcpus: 2, activations: false }, 1)).toMatch(/preemptVcpu: only an M:N process with activations/);
    expect(attempt({ mapping: '1:1', vcpus: 2 }, 1)).toMatch(/maps 1:1/);
    expect(attempt({ vcpus: 2 }, 2)).toMatch(/vCPU must be an integer in 0\.\.1, got 2/);
    expect(attempt({ vcpus: 2 }, 1)).toBe('no error');
  });
});

describe('daemons never keep a stuck run going (seed 1)', () => {
  const daemons = { period: 100_000, burst: 10_000 };

  for (const o of [{ vcpus: 2 }, { vcpus: 2, activations: false }, { mapping: '1:1', vcpus: 2 }] as ProcessOptions[]) {
    it(`a deadlock of ${JSON.stringify(o)} ends with its report while the daemons still run`, () => {
      const m = new Machine({ cpus: 2, seed: 1, daemons });
      m.process(o, function* (): Code<void> {
        const a = new Mutex('a');
        const b = new Mutex('b');
        const t1 = yield* spawn(function* t1(): Code<void> { yield* a.lock(); yield* compute(10_000); yield* b.lock(); });
        const t2 = yield* spawn(function* t2(): Code<void> { yield* b.lock(); yield* compute(10_000); yield* a.lock(); });
        yield* join(t1);
        yield* join(t2);
      });
      const r = m.run();
      expect(r.outcome.kind).toBe('deadlock');
      if (r.outcome.kind !== 'deadlock') return;
      expect(r.outcome.cycle).toEqual(['T2(t1)', 'T3(t2)']);
      // detected within a few daemon periods (plus, for FastThreads on kernel threads, the idle spin of up to a quantum)
      expect(r.endTime).toBeLessThan(2_000_000);
    });
  }

  it('a livelock is declared on the application\'s instructions, not hidden by the daemons\' progress', () => {
    // N:1: a thread holds a SpinLock while it sleeps; the other spins on it forever (its
    // only kernel thread is never upcalled, so nothing can switch it out).
    const m = new Machine({ cpus: 1, seed: 1, daemons, livelockSteps: 50_000, maxSteps: 5_000_000 });
    m.process({ mapping: 'N:1' }, function* (): Code<void> {
      const l = new SpinLock('s');
      const holder = yield* spawn(function* holder(): Code<void> { yield* l.lock(); yield* sleep(1); yield* l.unlock(); });
      const spinner = yield* spawn(function* spinner(): Code<void> { yield* l.lock(); yield* l.unlock(); });
      yield* join(holder);
      yield* join(spinner);
    });
    const r = m.run();
    expect(r.outcome.kind).toBe('livelock');
    if (r.outcome.kind !== 'livelock') return;
    const spin = r.outcome.spinning.find((s) => s.spinRun > 0);
    expect(spin?.spinningOn).toBe('s');
    expect(spin?.heldBy).toBe('T2(holder)');
    expect(spin?.holderRunning).toBe(false);
  });
});
