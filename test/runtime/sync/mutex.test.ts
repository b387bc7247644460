import { describe, expect, it } from 'vitest';
import {
  Mutex, NotOwnerError, RecursiveLockError, compute, join, sleep, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf, until } from './fixture';
import { crashMessage, crashOf } from '../../faults';

const SEED = 7;
const { machine, run } = harness(SEED);


describe(`Mutex (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('excludes: one thread inside at a time, even when preempted inside', () => {
      const st = { inside: 0, max: 0, count: 0 };
      let mx!: Mutex;
      function* worker(): Code<void> {
        for (let i = 0; i < 15; i++) {
          yield* mx.lock();
          st.inside++;
          st.max = Math.max(st.max, st.inside);
          yield* compute(900); // a tick (quantum 5 us) lands in here regularly
          st.count++;
          st.inside--;
          yield* mx.unlock();
          yield* compute(100);
        }
      }
      function* main(): Code<number> {
        mx = new Mutex('m');
        const ts: Thread[] = [];
        for (let i = 0; i < 6; i++) ts.push(yield* spawn(worker));
        for (const t of ts) yield* join(t);
        return st.count;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(90);
      expect(st.max).toBe(1);
      expect(mx.contended).toBeGreaterThan(0);
      expect(r.counts.preemptions).toBeGreaterThan(0);
      expect(mx.holder).toBeNull();
      expect(mx.waiters).toHaveLength(0);
    });

    it('hands off to waiters in FIFO order, with no barging by the unlocker', () => {
      const order: number[] = [];
      let mx!: Mutex;
      let barged: boolean | undefined;
      function* waiter(i: number): Code<void> {
        yield* mx.lock();
        order.push(i);
        yield* mx.unlock();
      }
      function* main(): Code<readonly number[]> {
        mx = new Mutex();
        yield* mx.lock();
        const ts: Thread[] = [];
        for (let i = 0; i < 5; i++) {
          ts.push(yield* spawn(waiter, i));
          yield* until(() => mx.waiters.length === i + 1);
        }
        yield* mx.unlock();
        barged = yield* mx.tryLock(); // ownership went to waiter 0
        for (const t of ts) yield* join(t);
        return order;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toEqual([0, 1, 2, 3, 4]);
      expect(barged).toBe(false);
      expect(mx.contended).toBe(5);
    });
  });

  it('tryLock takes a free mutex and fails on a held one', () => {
    const got: boolean[] = [];
    function* other(mx: Mutex): Code<void> {
      got.push(yield* mx.tryLock());
    }
    function* main(): Code<void> {
      const mx = new Mutex();
      got.push(yield* mx.tryLock());
      yield* join(yield* spawn(other, mx));
      yield* mx.unlock();
      yield* join(yield* spawn(other, mx));
    }
    const r = run(2, 'fifo', main);
    expect(r.outcome.kind).toBe('completed');
    expect(got).toEqual([true, false, true]);
  });

  it('unlock of a free mutex is a NotOwnerError', () => {
    const m = machine(1, 'fifo', function* main() {
      yield* new Mutex().unlock();
    });
    expect(crashOf(m.run())).toBeInstanceOf(NotOwnerError);
  });

  it('unlock by a thread that does not hold it is a NotOwnerError naming the holder', () => {
    function* thief(mx: Mutex): Code<void> {
      yield* mx.unlock();
    }
    const m = machine(2, 'lifo-steal', function* main() {
      const mx = new Mutex('guarded');
      yield* mx.lock();
      yield* join(yield* spawn(thief, mx));
    });
    expect(crashMessage(m.run())).toMatch(/Mutex\.unlock: .*thief.* does not hold guarded \(held by T1\(main\)\)/);
  });

  it('relock by the holder is a RecursiveLockError', () => {
    const m = machine(1, 'fifo', function* main() {
      const mx = new Mutex();
      yield* mx.lock();
      yield* mx.lock();
    });
    expect(crashOf(m.run())).toBeInstanceOf(RecursiveLockError);
  });

  it('a caught misuse error leaves the mutex usable (the spinlock was released)', () => {
    function* main(): Code<string> {
      const mx = new Mutex();
      try {
        yield* mx.unlock();
      } catch (e) {
        if (!(e instanceof NotOwnerError)) throw e;
      }
      yield* mx.lock();
      yield* mx.unlock();
      return 'ok';
    }
    const r = run(2, 'fifo', main);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe('ok');
  });

  it('ABBA locking deadlocks and the report names the cycle', () => {
    function* ab(a: Mutex, b: Mutex): Code<void> {
      yield* a.lock();
      yield* sleep(10_000);
      yield* b.lock();
    }
    function* main(): Code<void> {
      const a = new Mutex('A');
      const b = new Mutex('B');
      const t1 = yield* spawn(ab, a, b);
      const t2 = yield* spawn(ab, b, a);
      yield* join(t1);
      yield* join(t2);
    }
    const d = deadlockOf(run(2, 'fifo', main));
    const waits = d.blocked.map((b) => b.waitsFor).join(' | ');
    expect(waits).toMatch(/mutex A \(held by T\d\(ab\)\)/);
    expect(waits).toMatch(/mutex B \(held by T\d\(ab\)\)/);
    expect(d.cycle).toHaveLength(2);
    expect(d.cycle.every((c) => c.endsWith('(ab)'))).toBe(true);
  });
});
