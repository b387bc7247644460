import { describe, expect, it } from 'vitest';
import {
  ArgumentError, Barrier, compute, join, sleep, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf } from './fixture';
import { crashOf } from '../../faults';

const SEED = 17;
const { machine, run } = harness(SEED);


describe(`Barrier (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('holds every party until all arrive, for several generations; one true each', () => {
      const N = 5;
      const GENS = 4;
      const arrived = Array.from({ length: GENS }, () => 0);
      const trues = Array.from({ length: GENS }, () => 0);
      const lastArrival: number[] = [];
      let early = 0;
      let b!: Barrier;
      function* party(id: number): Code<void> {
        for (let g = 0; g < GENS; g++) {
          yield* compute(300 + 700 * ((id * 7 + g * 3) % N)); // arrive in a varying order
          arrived[g] = (arrived[g] as number) + 1;
          const last = arrived[g] === N;
          const serial = yield* b.wait();
          if (arrived[g] !== N) early++;
          if (serial) {
            trues[g] = (trues[g] as number) + 1;
            if (last) lastArrival.push(g);
          }
        }
      }
      function* main(): Code<number> {
        b = new Barrier(N, 'b');
        const ts: Thread[] = [];
        for (let i = 0; i < N; i++) ts.push(yield* spawn(party, i));
        for (const t of ts) yield* join(t);
        return b.generation;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(GENS);
      expect(early).toBe(0);
      expect(arrived).toEqual([N, N, N, N]);
      expect(trues).toEqual([1, 1, 1, 1]);
      expect(lastArrival).toEqual([0, 1, 2, 3]); // the true one is the last to arrive
      expect(b.waiters).toHaveLength(0);
    });
  });

  it('a barrier of one never blocks and always returns true', () => {
    function* main(): Code<boolean[]> {
      const b = new Barrier(1);
      const out: boolean[] = [];
      for (let i = 0; i < 3; i++) out.push(yield* b.wait());
      return out;
    }
    const r = run(1, 'fifo', main);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toEqual([true, true, true]);
  });

  it('arrivals beyond the parties start the next generation', () => {
    const results: boolean[] = [];
    let b!: Barrier;
    function* party(): Code<void> {
      results.push(yield* b.wait());
    }
    function* main(): Code<number> {
      b = new Barrier(2);
      const ts: Thread[] = [];
      for (let i = 0; i < 4; i++) ts.push(yield* spawn(party));
      for (const t of ts) yield* join(t);
      return b.generation;
    }
    const r = run(2, 'lifo-steal', main);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe(2);
    expect(results.filter((x) => x)).toHaveLength(2);
    expect(results.filter((x) => !x)).toHaveLength(2);
  });

  it.each([0, -2, 2.5])('new Barrier(%s) inside a thread is an ArgumentError', (n) => {
    const m = machine(1, 'fifo', function* main() {
      yield* sleep(0);
      return new Barrier(n);
    });
    expect(crashOf(m.run())).toBeInstanceOf(ArgumentError);
  });

  it('too few parties deadlock, naming the waiting threads and the barrier', () => {
    function* party(b: Barrier): Code<boolean> {
      return yield* b.wait();
    }
    function* main(): Code<void> {
      const b = new Barrier(3, 'meet');
      const t1 = yield* spawn(party, b);
      const t2 = yield* spawn(party, b);
      yield* join(t1);
      yield* join(t2);
    }
    const d = deadlockOf(run(2, 'fifo', main));
    const onBarrier = d.blocked.filter((x) => x.waitsFor === 'barrier meet');
    expect(onBarrier.map((x) => x.thread).sort()).toEqual(['T2(party)', 'T3(party)']);
    expect(d.cycle).toEqual([]);
  });
});
