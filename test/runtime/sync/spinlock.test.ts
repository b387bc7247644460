import { describe, expect, it } from 'vitest';
import {
  NotOwnerError, RecursiveLockError, SpinLock, compute, join, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness } from './fixture';
import { crashMessage, crashOf } from '../../faults';

const SEED = 11;
const { machine, run } = harness(SEED);


describe(`SpinLock (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('excludes: one thread inside at a time, even when the holder is preempted', () => {
      const st = { inside: 0, max: 0, count: 0 };
      let sl!: SpinLock;
      function* worker(): Code<void> {
        for (let i = 0; i < 10; i++) {
          yield* sl.lock();
          st.inside++;
          st.max = Math.max(st.max, st.inside);
          yield* compute(1_200);
          st.count++;
          st.inside--;
          yield* sl.unlock();
          yield* compute(300);
        }
      }
      function* main(): Code<number> {
        sl = new SpinLock('s');
        const ts: Thread[] = [];
        for (let i = 0; i < 4; i++) ts.push(yield* spawn(worker));
        for (const t of ts) yield* join(t);
        return st.count;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(40);
      expect(st.max).toBe(1);
      // one vCPU: the holder is never left preempted while another thread spins (its
      // critical section is prevented); several vCPUs: real contention spins
      if (vcpus === 1) expect(sl.spins).toBe(0);
      else expect(sl.spins).toBeGreaterThan(0);
      expect(sl.holder).toBeNull();
      expect(sl.word.value).toBe(0);
    });
  });

  it('unlock by a thread that does not hold it is a NotOwnerError', () => {
    function* other(sl: SpinLock): Code<void> {
      yield* sl.unlock();
    }
    const m = machine(2, 'fifo', function* main() {
      const sl = new SpinLock('s');
      yield* sl.lock();
      yield* join(yield* spawn(other, sl));
    });
    expect(crashOf(m.run())).toBeInstanceOf(NotOwnerError);
  });

  it('unlock of a free spinlock is a NotOwnerError', () => {
    const m = machine(1, 'lifo-steal', function* main() {
      yield* new SpinLock().unlock();
    });
    expect(crashMessage(m.run())).toMatch(/SpinLock\.unlock: .* does not hold spinlock#\d+ \(it is free\)/);
  });

  it('relock by the holder is a RecursiveLockError', () => {
    const m = machine(1, 'fifo', function* main() {
      const sl = new SpinLock();
      yield* sl.lock();
      yield* sl.lock();
    });
    expect(crashOf(m.run())).toBeInstanceOf(RecursiveLockError);
  });
});
