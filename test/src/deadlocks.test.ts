/**
 * Planted deadlocks and livelocks (issue 9): a lock-order inversion, a join cycle,
 * threads waiting on a Channel, a Cond and a Semaphore nobody will wake, and a SpinLock
 * whose holder exited or crashed without unlocking it. Under every mapping, with and
 * without `fair`, each run ends far below its step limit with a report that names the
 * cycle (threads and the objects they wait on), or the spinners and the holder's fate.
 */
import { describe, expect, it } from 'vitest';
import { Barrier, Channel, compute, Cond, join, Machine, Mutex, Semaphore, spawn, SpinLock } from '../../src/index';
import type { Code, Outcome, ProcessOptions, Report, Thread } from '../../src/index';
import { MAPPINGS } from '../mappings';

const MAX_STEPS = 100_000_000;
// Above one quantum of idle polling (FastThreads on kernel threads polls its lists for a quantum before it blocks).
const LIVELOCK_STEPS = 500_000;

function run(o: ProcessOptions, fair: boolean, main: () => Code<unknown>, extra: ProcessOptions = {}): Report {
  const m = new Machine({ cpus: 2, seed: 3, fair, maxSteps: MAX_STEPS, livelockSteps: LIVELOCK_STEPS });
  m.process({ ...o, ...extra }, main);
  return m.run();
}

function deadlock(r: Report): Extract<Outcome, { kind: 'deadlock' }> {
  if (r.outcome.kind !== 'deadlock') throw new Error(`expected a deadlock, the run ended ${r.outcome.kind}: ${JSON.stringify(r.outcome).slice(0, 400)}`);
  return r.outcome;
}

function livelock(r: Report): Extract<Outcome, { kind: 'livelock' }> {
  if (r.outcome.kind !== 'livelock') throw new Error(`expected a livelock, the run ended ${r.outcome.kind}: ${JSON.stringify(r.outcome).slice(0, 400)}`);
  return r.outcome;
}

/** What `thread` waits for, from the deadlock report. */
function waitOf(o: Extract<Outcome, { kind: 'deadlock' }>, thread: string): string {
  const b = o.blocked.find((x) => x.thread === thread);
  if (b === undefined) throw new Error(`${thread} is not among the blocked: ${o.blocked.map((x) => x.thread).join(', ')}`);
  return b.waitsFor;
}

/** The run stopped promptly: far below the step limit (a livelock within a few budgets). */
function prompt(r: Report): void {
  expect(r.counts.instructions).toBeLessThan(MAX_STEPS / 50);
}

/** A holder that takes `lock` and ends (returns, or throws) without unlocking; then main and a second thread want it. */
function orphan(lock: SpinLock, crash: boolean): () => Code<void> {
  return function* main(): Code<void> {
    const h = yield* spawn(function* holder(): Code<void> {
      yield* lock.lock();
      yield* compute(100);
      if (crash) throw new Error('boom');
    });
    try {
      yield* join(h);
    } catch { /* onThreadError 'thread': the join throws the crash */ }
    yield* spawn(function* spinner(): Code<void> { yield* lock.lock(); });
    yield* lock.lock();
  };
}

for (const [title, o] of MAPPINGS) {
  for (const fair of [false, true]) {
    describe(`planted deadlocks under ${title}${fair ? ', fair' : ''}`, () => {
      it('lock-order inversion: the cycle names both threads and the mutex each waits on, held by the other', () => {
        const r = run(o, fair, function* main(): Code<void> {
          const ma = new Mutex('ma');
          const mb = new Mutex('mb');
          const both = new Barrier(2, 'both');
          const a = yield* spawn(function* a(): Code<void> { yield* ma.lock(); yield* both.wait(); yield* mb.lock(); });
          yield* spawn(function* b(): Code<void> { yield* mb.lock(); yield* both.wait(); yield* ma.lock(); });
          yield* join(a);
        });
        const d = deadlock(r);
        expect([...d.cycle].sort()).toEqual(['T2(a)', 'T3(b)']);
        expect(waitOf(d, 'T2(a)')).toBe('mutex mb (held by T3(b))');
        expect(waitOf(d, 'T3(b)')).toBe('mutex ma (held by T2(a))');
        expect(waitOf(d, 'T1(main)')).toBe('join of T2(a)');
        expect(d.message).toMatch(/^wait-for cycle (T2\(a\) -> T3\(b\) -> T2\(a\)|T3\(b\) -> T2\(a\) -> T3\(b\)): /);
        expect(d.message).toContain('T2(a) waits for mutex mb (held by T3(b))');
        expect(d.message).toContain('T3(b) waits for mutex ma (held by T2(a))');
        prompt(r);
      });

      it('join cycle: A joins B and B joins A', () => {
        const r = run(o, fair, function* main(): Code<void> {
          const go = new Semaphore(0, 'go');
          const h: { a: Thread<void> | null; b: Thread<void> | null } = { a: null, b: null };
          h.a = yield* spawn(function* a(): Code<void> { yield* go.wait(); yield* join(h.b as Thread<void>); });
          h.b = yield* spawn(function* b(): Code<void> { yield* go.wait(); yield* join(h.a as Thread<void>); });
          yield* go.post();
          yield* go.post();
        });
        const d = deadlock(r);
        expect([...d.cycle].sort()).toEqual(['T2(a)', 'T3(b)']);
        expect(waitOf(d, 'T2(a)')).toBe('join of T3(b)');
        expect(waitOf(d, 'T3(b)')).toBe('join of T2(a)');
        expect(d.message).toContain('T2(a) waits for join of T3(b)');
        prompt(r);
      });

      it('a Channel both threads receive from and nobody sends to', () => {
        const r = run(o, fair, function* main(): Code<void> {
          const ch = new Channel<number>(1, 'ch');
          const a = yield* spawn(function* a(): Code<number> { return yield* ch.recv(); });
          const b = yield* spawn(function* b(): Code<number> { return yield* ch.recv(); });
          yield* join(a);
          yield* join(b);
        });
        const d = deadlock(r);
        expect(waitOf(d, 'T2(a)')).toBe('channel ch to recv');
        expect(waitOf(d, 'T3(b)')).toBe('channel ch to recv');
        expect(d.cycle).toEqual([]);
        expect(d.message).toMatch(/^no thread can wake the others \(no cycle\): .*T2\(a\) waits for channel ch to recv/);
        prompt(r);
      });

      it('a Cond wait with nobody left to signal', () => {
        const r = run(o, fair, function* main(): Code<void> {
          const m = new Mutex('m');
          const c = new Cond('c');
          const a = yield* spawn(function* a(): Code<void> { yield* m.lock(); yield* c.wait(m); yield* m.unlock(); });
          yield* join(a);
        });
        const d = deadlock(r);
        expect(waitOf(d, 'T2(a)')).toMatch(/^cond c/);
        expect(waitOf(d, 'T1(main)')).toBe('join of T2(a)');
        expect(d.message).toContain('T2(a) waits for cond c');
        prompt(r);
      });

      it('a Semaphore wait nobody posts', () => {
        const r = run(o, fair, function* main(): Code<void> {
          const s = new Semaphore(0, 'sem');
          const a = yield* spawn(function* a(): Code<void> { yield* s.wait(); });
          yield* join(a);
        });
        const d = deadlock(r);
        expect(waitOf(d, 'T2(a)')).toMatch(/^semaphore sem/);
        expect(d.message).toContain('T2(a) waits for semaphore sem');
        prompt(r);
      });

      it('a SpinLock whose holder exited without unlocking: a livelock naming the spinners, the lock and that the holder exited', () => {
        const lock = new SpinLock('orphan');
        const r = run(o, fair, orphan(lock, false));
        const l = livelock(r);
        const names = l.spinners.map((s) => s.thread);
        expect(names).toContain('T1(main)');
        if (fair) expect([...names].sort()).toEqual(['T1(main)', 'T3(spinner)']); // fair waiters yield, so both get to spin
        for (const s of l.spinners) {
          expect(s).toMatchObject({ lock: 'orphan', holder: 'T2(holder)', holderState: 'exited' });
          expect(s.holderFate).toMatch(/^T2\(holder\) exited at t=\d+ns without unlocking it$/);
        }
        expect(l.message).toMatch(/T1\(main\) spins on orphan: T2\(holder\) exited at t=\d+ns without unlocking it/);
        expect(lock.holder?.label).toBe('T2(holder)');
        if (fair) expect(lock.yields).toBeGreaterThan(0);
        prompt(r);
      });

      it('a SpinLock whose holder crashed (onThreadError: thread): the report says it crashed and of what', () => {
        const lock = new SpinLock('orphan');
        const r = run(o, fair, orphan(lock, true), { onThreadError: 'thread' });
        const l = livelock(r);
        expect(l.spinners.map((s) => s.thread)).toContain('T1(main)');
        for (const s of l.spinners) {
          expect(s).toMatchObject({ lock: 'orphan', holder: 'T2(holder)', holderState: 'crashed' });
          expect(s.holderFate).toMatch(/^T2\(holder\) crashed at t=\d+ns without unlocking it \(it died of Error: boom\)$/);
        }
        expect(r.processes[0]?.threads.find((t) => t.name === 'holder')?.error?.message).toMatch(/died of Error: boom/);
        prompt(r);
      });
    });
  }
}
