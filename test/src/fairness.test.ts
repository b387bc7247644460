/**
 * Livelock, slow progress and fair scheduling. A livelock (no application progress) is
 * reported with what each CPU spun on and whether that word's holder was running; a run
 * stopped by a limit while it still progressed says the same of its CPUs and names the
 * threads that waited longest; `fair: true` (a SpinLock waiter yields after spinLimit
 * failed attempts, a CPU spinning 4x that long takes a pause-loop exit) turns both into
 * completed runs that spin far less.
 */
import { describe, expect, it } from 'vitest';
import { compute, join, Machine, spawn, SpinLock, yieldNow } from '../../src/index';
import type { Code, MachineOptions, ProcessOptions, Report } from '../../src/index';

/** A holder that yields while it holds the SpinLock, and a thread that wants it. */
function holderYields(o: MachineOptions, po: ProcessOptions): { r: Report; lock: SpinLock } {
  const lock = new SpinLock('s');
  const m = new Machine({ cpus: 1, seed: 1, livelockSteps: 50_000, maxSteps: 2_000_000, ...o });
  m.process(po, function* (): Code<void> {
    const holder = yield* spawn(function* holder(): Code<void> {
      yield* lock.lock();
      yield* yieldNow(); // lets the other thread run while the lock is held
      yield* compute(1_000);
      yield* lock.unlock();
    });
    const waiter = yield* spawn(function* waiter(): Code<void> {
      yield* lock.lock();
      yield* lock.unlock();
    });
    yield* join(holder);
    yield* join(waiter);
  });
  return { r: m.run(), lock };
}

describe('a spinner whose lock holder cannot run', () => {
  for (const po of [{ mapping: 'N:1' }, { vcpus: 1 }] as ProcessOptions[]) {
    it(`${JSON.stringify(po)}: a livelock report names the word, its holder, and that the holder is not running`, () => {
      const { r } = holderYields({}, po);
      expect(r.outcome.kind).toBe('livelock');
      if (r.outcome.kind !== 'livelock') return;
      const spin = r.outcome.spinning[0]!;
      expect(spin.spinningOn).toBe('s');
      expect(spin.heldBy).toBe('T2(holder)');
      expect(spin.holderRunning).toBe(false);
      expect(spin.spinRun).toBeGreaterThan(1_000);
      expect(r.outcome.waiting.map((w) => w.thread)).toContain('T2(holder)'); // ready all along
      expect(r.counts.spins).toBeGreaterThan(10_000);
    });

    it(`${JSON.stringify(po)} with fair scheduling: the waiter yields, the holder finishes, the run completes`, () => {
      const { r, lock } = holderYields({ fair: true }, po);
      expect(r.outcome.kind).toBe('completed');
      expect(lock.yields).toBeGreaterThan(0);
      expect(r.counts.spins).toBeLessThan(200);
    });
  }
});

/** 1:1 on one CPU: two kernel threads time-share it; whoever holds the lock may be preempted. */
function timeShared(o: MachineOptions): { r: Report; lock: SpinLock } {
  const lock = new SpinLock('s');
  const m = new Machine({ cpus: 1, seed: 1, costs: { quantum: 100_000 }, ...o });
  m.process({ mapping: '1:1', vcpus: 1 }, function* (): Code<void> {
    const ts = [];
    for (let i = 0; i < 2; i++) {
      ts.push(yield* spawn(function* worker(): Code<void> {
        for (let j = 0; j < 6; j++) {
          yield* lock.lock();
          yield* compute(80_000);
          yield* lock.unlock();
          yield* compute(1_000);
        }
      }));
    }
    for (const t of ts) yield* join(t);
  });
  return { r: m.run(), lock };
}

describe('slow progress versus a livelock', () => {
  it('a preempted kernel-thread holder makes the other spin whole quanta: slow, but progress', () => {
    const { r, lock } = timeShared({});
    expect(r.outcome.kind).toBe('completed');
    expect(lock.spins).toBeGreaterThan(2_000);
    // stopped early by a step limit, the report says so and shows the spinner and the preempted holder
    const { r: cut } = timeShared({ maxSteps: 20_000 });
    expect(cut.outcome.kind).toBe('limit');
    if (cut.outcome.kind !== 'limit') return;
    expect(cut.outcome.what).toBe('steps');
    const a = cut.outcome.activity[0]!;
    expect(a.spinningOn).toBe('s');
    expect(a.holderRunning).toBe(false);
    expect(cut.outcome.waiting.length).toBeGreaterThan(0);
  });

  it('fair scheduling: pause-loop exits hand the CPU back to the holder, and spinning drops', () => {
    const plain = timeShared({});
    const fair = timeShared({ fair: { spinLimit: 16 } });
    expect(fair.r.outcome.kind).toBe('completed');
    expect(fair.r.counts.pauseExits + fair.lock.yields).toBeGreaterThan(0);
    expect(fair.lock.spins).toBeLessThan(plain.lock.spins / 10);
    expect(fair.r.endTime).toBeLessThan(plain.r.endTime);
  });

  it('fair options are checked', () => {
    expect(() => new Machine({ fair: { spinLimit: 0 } })).toThrow(/Machine\.fair\.spinLimit: must be between 1 and 1000000, got 0/);
    expect(() => new Machine({ fair: { spin: 3 } as never })).toThrow(/Machine\.fair: unknown option 'spin'/);
    expect(() => new Machine({ fair: 'yes' as never })).toThrow(/Machine\.fair: must be a boolean or \{ spinLimit \}/);
  });
});
