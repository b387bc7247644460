import { describe, expect, it } from 'vitest';
import {
  Cond, Mutex, NotOwnerError, compute, join, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf, until } from './fixture';
import { crashOf } from '../../faults';

const SEED = 3;
const { machine, run } = harness(SEED);


describe(`Cond (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('bounded buffer: no lost wake-up, every item consumed once, buffer bound kept', () => {
      const CAP = 2;
      const PRODUCERS = 3;
      const CONSUMERS = 2;
      const PER = 12;
      const buf: number[] = [];
      const got: number[] = [];
      let maxLen = 0;
      let mx!: Mutex;
      let notFull!: Cond;
      let notEmpty!: Cond;
      function* producer(p: number): Code<void> {
        for (let i = 0; i < PER; i++) {
          yield* mx.lock();
          while (buf.length === CAP) yield* notFull.wait(mx);
          buf.push(p * 1000 + i);
          maxLen = Math.max(maxLen, buf.length);
          yield* compute(200);
          yield* notEmpty.signal();
          yield* mx.unlock();
        }
      }
      function* consumer(n: number): Code<void> {
        for (let i = 0; i < n; i++) {
          yield* mx.lock();
          while (buf.length === 0) yield* notEmpty.wait(mx);
          got.push(buf.shift() as number);
          yield* notFull.signal();
          yield* mx.unlock();
          yield* compute(400);
        }
      }
      function* main(): Code<number> {
        mx = new Mutex();
        notFull = new Cond('notFull');
        notEmpty = new Cond('notEmpty');
        const ts: Thread[] = [];
        const total = PRODUCERS * PER;
        for (let c = 0; c < CONSUMERS; c++) ts.push(yield* spawn(consumer, total / CONSUMERS));
        for (let p = 0; p < PRODUCERS; p++) ts.push(yield* spawn(producer, p));
        for (const t of ts) yield* join(t);
        return got.length;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(PRODUCERS * PER);
      expect(maxLen).toBeLessThanOrEqual(CAP);
      const expected = [0, 1, 2].flatMap((p) => Array.from({ length: PER }, (_, i) => p * 1000 + i));
      expect([...got].sort((a, b) => a - b)).toEqual(expected);
      for (let p = 0; p < PRODUCERS; p++) {
        const mine = got.filter((v) => Math.floor(v / 1000) === p);
        expect(mine).toEqual([...mine].sort((a, b) => a - b)); // per-producer FIFO
      }
      expect(notEmpty.wakeups + notFull.wakeups).toBeGreaterThan(0);
      expect(notEmpty.waiters).toHaveLength(0);
      expect(notFull.waiters).toHaveLength(0);
    });

    it('signal wakes waiters one at a time in FIFO order; each returns holding the mutex', () => {
      const woken: number[] = [];
      const heldOnReturn: boolean[] = [];
      let mx!: Mutex;
      let cv!: Cond;
      function* waiter(i: number): Code<void> {
        yield* mx.lock();
        yield* cv.wait(mx);
        heldOnReturn.push(mx.holder !== null && mx.holder.name === 'waiter');
        woken.push(i);
        yield* mx.unlock();
      }
      function* main(): Code<readonly number[]> {
        mx = new Mutex();
        cv = new Cond();
        const ts: Thread[] = [];
        for (let i = 0; i < 4; i++) {
          ts.push(yield* spawn(waiter, i));
          yield* until(() => cv.waiters.length === i + 1);
        }
        for (let i = 0; i < 4; i++) {
          yield* mx.lock();
          yield* cv.signal();
          yield* mx.unlock();
          yield* until(() => woken.length === i + 1);
          if (cv.waiters.length !== 3 - i) throw new Error(`signal woke more than one waiter (${cv.waiters.length} left)`);
        }
        for (const t of ts) yield* join(t);
        return woken;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toEqual([0, 1, 2, 3]);
      expect(heldOnReturn).toEqual([true, true, true, true]);
    });

    it('broadcast wakes every waiter; they re-acquire the mutex one at a time', () => {
      const st = { inside: 0, max: 0, woken: 0 };
      let mx!: Mutex;
      let cv!: Cond;
      let go = false;
      function* waiter(): Code<void> {
        yield* mx.lock();
        while (!go) yield* cv.wait(mx);
        st.inside++;
        st.max = Math.max(st.max, st.inside);
        yield* compute(800);
        st.woken++;
        st.inside--;
        yield* mx.unlock();
      }
      function* main(): Code<number> {
        mx = new Mutex();
        cv = new Cond();
        const ts: Thread[] = [];
        for (let i = 0; i < 6; i++) ts.push(yield* spawn(waiter));
        yield* until(() => cv.waiters.length === 6);
        yield* mx.lock();
        go = true;
        yield* cv.broadcast();
        const left = cv.waiters.length;
        yield* mx.unlock();
        for (const t of ts) yield* join(t);
        return left;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(0);
      expect(st.woken).toBe(6);
      expect(st.max).toBe(1);
      expect(cv.wakeups).toBe(1);
    });
  });

  it('wait without holding the mutex is a NotOwnerError', () => {
    const m = machine(1, 'fifo', function* main() {
      yield* new Cond().wait(new Mutex());
    });
    expect(crashOf(m.run())).toBeInstanceOf(NotOwnerError);
  });

  it('a caught NotOwnerError leaves the cond usable and the caller enabled', () => {
    let mx!: Mutex;
    let cv!: Cond;
    let ready = false;
    function* signaller(): Code<void> {
      yield* mx.lock();
      ready = true;
      yield* cv.signal();
      yield* mx.unlock();
    }
    function* main(): Code<string> {
      mx = new Mutex();
      cv = new Cond();
      try {
        yield* cv.wait(mx);
      } catch (e) {
        if (!(e instanceof NotOwnerError)) throw e;
      }
      yield* mx.lock();
      const t = yield* spawn(signaller);
      while (!ready) yield* cv.wait(mx);
      yield* mx.unlock();
      yield* join(t);
      return 'ok';
    }
    const r = run(2, 'lifo-steal', main);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe('ok');
  });

  it('a signal with no waiter is not remembered: a later wait deadlocks', () => {
    function* main(): Code<void> {
      const mx = new Mutex();
      const cv = new Cond('never');
      yield* cv.signal();
      yield* mx.lock();
      yield* cv.wait(mx);
    }
    const d = deadlockOf(run(1, 'fifo', main));
    expect(d.blocked).toHaveLength(1);
    expect(d.blocked[0]?.thread).toBe('T1(main)');
    expect(d.blocked[0]?.waitsFor).toBe('cond never');
    expect(d.cycle).toEqual([]);
  });
});
