import { describe, expect, it } from 'vitest';
import {
  ArgumentError, Semaphore, compute, join, sleep, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf, until } from './fixture';
import { crashOf } from '../../faults';

const SEED = 5;
const { machine, run } = harness(SEED);


describe(`Semaphore (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('a semaphore of k admits at most k threads, and k are reached', () => {
      const K = 2;
      const st = { inside: 0, max: 0, count: 0 };
      let sem!: Semaphore;
      function* worker(): Code<void> {
        for (let i = 0; i < 8; i++) {
          yield* sem.wait();
          st.inside++;
          st.max = Math.max(st.max, st.inside);
          yield* compute(1_500);
          st.count++;
          st.inside--;
          yield* sem.post();
          yield* compute(100);
        }
      }
      function* main(): Code<number> {
        sem = new Semaphore(K);
        const ts: Thread[] = [];
        for (let i = 0; i < 5; i++) ts.push(yield* spawn(worker));
        for (const t of ts) yield* join(t);
        return st.count;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(40);
      expect(st.max).toBe(K);
      expect(sem.value).toBe(K);
      expect(sem.contended).toBeGreaterThan(0);
    });

    it('producer/consumer with two semaphores: no lost wake-up, FIFO items', () => {
      const N = 30;
      const SLOTS = 3;
      const ring: number[] = [];
      const got: number[] = [];
      let maxLen = 0;
      let empty!: Semaphore;
      let full!: Semaphore;
      function* producer(): Code<void> {
        for (let i = 0; i < N; i++) {
          yield* empty.wait();
          ring.push(i);
          maxLen = Math.max(maxLen, ring.length);
          yield* full.post();
          yield* compute(150);
        }
      }
      function* consumer(): Code<void> {
        for (let i = 0; i < N; i++) {
          yield* full.wait();
          got.push(ring.shift() as number);
          yield* empty.post();
          yield* compute(300);
        }
      }
      function* main(): Code<number> {
        empty = new Semaphore(SLOTS);
        full = new Semaphore(0);
        const c = yield* spawn(consumer);
        const p = yield* spawn(producer);
        yield* join(p);
        yield* join(c);
        return got.length;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(N);
      expect(got).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(maxLen).toBeLessThanOrEqual(SLOTS);
      expect(empty.value).toBe(SLOTS);
      expect(full.value).toBe(0);
    });

    it('post hands the unit to the first waiter: the value stays 0, tryWait fails', () => {
      const order: number[] = [];
      const seen: { afterPost: number; tryWait: boolean; afterAll: number }[] = [];
      let sem!: Semaphore;
      function* waiter(i: number): Code<void> {
        yield* sem.wait();
        order.push(i);
      }
      function* main(): Code<void> {
        sem = new Semaphore(0, 'handoff');
        const ts: Thread[] = [];
        for (let i = 0; i < 3; i++) {
          ts.push(yield* spawn(waiter, i));
          yield* until(() => sem.waiters.length === i + 1);
        }
        yield* sem.post();
        const afterPost = sem.value;
        const tw = yield* sem.tryWait();
        yield* until(() => order.length === 1);
        for (let i = 1; i < 3; i++) {
          yield* sem.post(); // one at a time: who got the unit shows in `order`
          yield* until(() => order.length === i + 1);
        }
        for (const t of ts) yield* join(t);
        yield* sem.post();
        seen.push({ afterPost, tryWait: tw, afterAll: sem.value });
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(seen).toEqual([{ afterPost: 0, tryWait: false, afterAll: 1 }]);
      expect(order).toEqual([0, 1, 2]);
    });
  });

  it('tryWait takes a unit when there is one, never blocks', () => {
    const got: boolean[] = [];
    function* main(): Code<number> {
      const sem = new Semaphore(1);
      got.push(yield* sem.tryWait());
      got.push(yield* sem.tryWait());
      yield* sem.post();
      got.push(yield* sem.tryWait());
      return sem.value;
    }
    const r = run(1, 'fifo', main);
    expect(r.outcome.kind).toBe('completed');
    expect(got).toEqual([true, false, true]);
    expect(r.processes[0]?.mainResult).toBe(0);
  });

  it.each([-1, 1.5, Number.NaN])('new Semaphore(%s) inside a thread is an ArgumentError', (v) => {
    const m = machine(1, 'fifo', function* main() {
      yield* sleep(0);
      return new Semaphore(v);
    });
    expect(crashOf(m.run())).toBeInstanceOf(ArgumentError);
  });

  it('new Semaphore outside a thread checks its argument too', () => {
    expect(() => new Semaphore(-3)).toThrow(/Semaphore: initial value must be a non-negative integer, got -3/);
    expect(new Semaphore(0).value).toBe(0);
  });

  it('waiting on a semaphore nobody posts deadlocks, naming the thread and the semaphore', () => {
    function* stuck(s: Semaphore): Code<void> {
      yield* s.wait();
    }
    function* main(): Code<void> {
      const s = new Semaphore(1, 'gate');
      yield* s.wait();
      yield* join(yield* spawn(stuck, s));
    }
    const d = deadlockOf(run(2, 'lifo-steal', main));
    const stuckOne = d.blocked.find((b) => b.thread.endsWith('(stuck)'));
    expect(stuckOne?.waitsFor).toBe('semaphore gate');
    expect(d.blocked.find((b) => b.thread === 'T1(main)')?.waitsFor).toMatch(/^join of T\d\(stuck\)$/);
  });
});
