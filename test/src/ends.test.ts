/**
 * Run ends (issue 9): a finished run is 'completed' even when maxTime falls between its
 * end and the stale timer tick left pending after it; a thread that only yields (alone,
 * or two yielding to each other) is a livelock whose report names the yielders; and a
 * program that yields while it waits for a sleeping, computing or I/O-bound thread is
 * not, because that thread's progress comes back. Under every mapping.
 */
import { describe, expect, it } from 'vitest';
import { compute, join, Machine, Mutex, read, sleep, spawn, yieldNow } from '../../src/index';
import type { Code, MachineOptions, Outcome, ProcessOptions, Report } from '../../src/index';
import { MAPPINGS } from '../mappings';

function run(o: ProcessOptions, main: () => Code<unknown>, mo: MachineOptions = {}): Report {
  return new Machine({ cpus: 2, seed: 9, ...mo }).process(o, main).run();
}

function livelock(r: Report): Extract<Outcome, { kind: 'livelock' }> {
  if (r.outcome.kind !== 'livelock') throw new Error(`expected a livelock, the run ended ${r.outcome.kind}: ${JSON.stringify(r.outcome).slice(0, 400)}`);
  return r.outcome;
}

/** A short program: a worker computes and main joins it. */
function* short(): Code<number> {
  yield* compute(1_000);
  const t = yield* spawn(function* w(): Code<number> { yield* compute(500); return 2; });
  return yield* join(t);
}

for (const [title, o] of MAPPINGS) {
  describe(`run ends under ${title}`, () => {
    for (const preset of ['modern', 'firefly']) {
      it(`${preset}: a run that finished by maxTime is completed, though a timer tick is still pending after it`, () => {
        const free = run(o, short, { preset });
        expect(free.outcome.kind).toBe('completed');
        const end = free.endTime;
        for (const maxTime of [end, end + 1, end + 1_000]) {
          const r = run(o, short, { preset, maxTime });
          expect(r.outcome.kind).toBe('completed');
          expect(r.endTime).toBe(end);
          expect(r.processes[0]?.mainResult).toBe(2);
          expect(r.traceHash).toBe(free.traceHash);
        }
        // One ns short of the end it is still the time limit.
        expect(run(o, short, { preset, maxTime: end - 1 }).outcome).toMatchObject({ kind: 'limit', what: 'time' });
      });
    }

    it('a thread that only yields, forever, is a livelock naming it as yielding', () => {
      const r = run(o, function* main(): Code<void> { for (;;) yield* yieldNow(); }, { livelockSteps: 100_000 });
      const l = livelock(r);
      expect(l.yielding).toEqual(['T1(main)']);
      expect(l.spinners).toEqual([]);
      expect(l.message).toMatch(/^no application progress in \d+ instructions: T1\(main\) kept yielding with no other work/);
      expect(r.counts.instructions).toBeLessThan(1_000_000);
    });

    it('sleep(0) is a yield: a sleep(0) loop livelocks too', () => {
      const r = run(o, function* main(): Code<void> { for (;;) yield* sleep(0); }, { livelockSteps: 100_000 });
      expect(livelock(r).yielding).toEqual(['T1(main)']);
    });

    it('two threads yielding to each other forever, with no other work, are a livelock naming both', () => {
      const r = run(o, function* main(): Code<void> {
        yield* spawn(function* other(): Code<void> { for (;;) yield* yieldNow(); });
        for (;;) yield* yieldNow();
      }, { livelockSteps: 100_000 });
      const l = livelock(r);
      expect([...l.yielding].sort()).toEqual(['T1(main)', 'T2(other)']);
      expect(l.message).toMatch(/kept yielding with no other work/);
      expect(r.counts.instructions).toBeLessThan(1_000_000);
    });

    it('yielding while another thread reads from the disk is no livelock: the read comes back', () => {
      const r = run(o, function* main(): Code<number> {
        let done = false;
        yield* spawn(function* reader(): Code<void> { yield* read(65_536); done = true; });
        let polls = 0;
        while (!done) { polls++; yield* yieldNow(); }
        return polls;
      }, { livelockSteps: 2_000 });
      expect(r.outcome.kind).toBe('completed');
    });

    it('yielding while another thread computes (and one waits for its mutex) is no livelock', () => {
      const r = run(o, function* main(): Code<number> {
        const m = new Mutex('m');
        let done = false;
        const holder = yield* spawn(function* holder(): Code<void> { yield* m.lock(); yield* compute(5_000_000); yield* m.unlock(); });
        const waiter = yield* spawn(function* waiter(): Code<void> { yield* yieldNow(); yield* m.lock(); yield* m.unlock(); done = true; });
        let polls = 0;
        while (!done) { polls++; yield* yieldNow(); }
        yield* join(holder);
        yield* join(waiter);
        return polls;
      }, { livelockSteps: 2_000 });
      expect(r.outcome.kind).toBe('completed');
    });
  });
}

// Where a user-level timer fires while other threads yield (activations: the run upcall
// fires due timers; 1:1: the kernel wakes the sleeper), yield-polling for a sleeper
// finishes; with a budget well below the polling it shows the sleep kept it alive.
for (const [title, o] of MAPPINGS.filter(([, x]) => x.mapping === '1:1' || (x.mapping === undefined && x.activations !== false))) {
  it(`${title}: yielding while another thread sleeps is no livelock: the sleeper wakes`, () => {
    const livelockSteps = 2_000;
    const r = run(o, function* main(): Code<number> {
      let done = false;
      yield* spawn(function* sleeper(): Code<void> { yield* sleep(2_000_000); done = true; });
      let polls = 0;
      while (!done) { polls++; yield* yieldNow(); }
      return polls;
    }, { livelockSteps });
    expect(r.outcome.kind).toBe('completed');
    expect(r.counts.instructions).toBeGreaterThan(livelockSteps * 5); // many budgets of polling, carried by the sleep
  });
}
