/**
 * Fault containment (issue 9): a thread's uncaught error ends its process (or, with
 * onThreadError: 'thread', only the thread) with a ThreadCrashError that names the
 * thread, the process, the vCPU, the pc, the time and the locks held, the thrown value
 * as its cause; other processes run on and run() returns the report. Under every
 * mapping.
 */
import { describe, expect, it } from 'vitest';
import { Cond, compute, join, Machine, Mutex, ProcessFault, spawn, ThreadCrashError, yieldNow } from '../../src/index';
import type { Code, ProcessOptions, Report } from '../../src/index';
import { crashOf, faultOf } from '../faults';
import { MAPPINGS } from '../mappings';


/** A well-behaved process: sums with a few switches, on its own CPUs. */
function* victim(): Code<number> {
  let s = 0;
  const ts = [];
  for (let i = 1; i <= 4; i++) ts.push(yield* spawn(function* part(): Code<number> { yield* compute(5_000); yield* yieldNow(); return i; }));
  for (const t of ts) s += yield* join(t);
  return s;
}

function runWith(o: ProcessOptions, bad: () => Code<unknown>): Report {
  const m = new Machine({ cpus: 4, seed: 5 });
  m.process({ ...o, name: 'bad' }, bad);
  m.process({ name: 'victim', vcpus: 2 }, victim);
  return m.run();
}

for (const [title, o] of MAPPINGS) {
  describe(`thread failures under ${title}`, () => {
    it('a thrown Error ends its process with a ThreadCrashError naming where; the other process finishes', () => {
      const boom = new TypeError('boom');
      const r = runWith(o, function* main() {
        const t = yield* spawn(function* worker(): Code<void> { yield* compute(1_000); throw boom; });
        yield* join(t);
      });
      const e = faultOf(r);
      expect(e).toBeInstanceOf(ThreadCrashError);
      expect(crashOf(r)).toBe(boom);
      const site = (e as ThreadCrashError).site;
      expect(site.process).toBe('bad');
      expect(site.thread).toMatch(/^bad\/T2\(worker\)$/);
      expect(site.vcpu).not.toBeNull();
      expect(site.time).toBeGreaterThan(0);
      expect(site.pc).toBe('user');
      expect(e.message).toMatch(/bad\/T2\(worker\) of process 'bad' died of TypeError: boom \(vCPU \d+, at user, t=\d+ns\)/);
      expect(r.outcome).toMatchObject({ kind: 'fault', process: 'bad' });
      const v = r.processes.find((p) => p.name === 'victim');
      expect(v?.end.kind).toBe('exited');
      expect(v?.mainResult).toBe(10);
      expect(r.processes.find((p) => p.name === 'bad')?.end.kind).toBe('fault');
    });

    it('a thrown non-Error and a frozen Error are reported as they are', () => {
      const r1 = runWith(o, function* main() { yield* compute(10); throw 42; });
      expect(crashOf(r1)).toBe(42);
      expect(faultOf(r1).message).toMatch(/died of a non-Error value: 42/);
      const frozen = Object.freeze(new RangeError('cold'));
      const r2 = runWith(o, function* main() { yield* compute(10); throw frozen; });
      expect(crashOf(r2)).toBe(frozen);
      expect(frozen.message).toBe('cold'); // untouched
      expect(faultOf(r2).message).toMatch(/died of RangeError: cold/);
    });

    it('a throw while holding a Mutex names the mutex among the locks held', () => {
      const r = runWith(o, function* main() {
        const m = new Mutex('ledger');
        yield* m.lock();
        yield* compute(100);
        throw new Error('mid-update');
      });
      expect((faultOf(r) as ThreadCrashError).site.locksHeld).toEqual(['ledger']);
      expect(faultOf(r).message).toMatch(/holding ledger/);
      expect(r.processes.find((p) => p.name === 'victim')?.mainResult).toBe(10);
    });

    it('a throw inside a Cond wait (its mutex not held), and right after one (holding it)', () => {
      const r1 = runWith(o, function* main() {
        const c = new Cond('c');
        yield* c.wait(new Mutex('m'));
      });
      expect((crashOf(r1) as Error).name).toBe('NotOwnerError');
      const r2 = runWith(o, function* main() {
        const m = new Mutex('m');
        const c = new Cond('c');
        let waiting = false;
        const waiter = yield* spawn(function* waiter(): Code<void> {
          yield* m.lock();
          waiting = true;
          yield* c.wait(m);
          throw new Error('woken into trouble');
        });
        while (!waiting) yield* yieldNow();
        yield* m.lock(); // the waiter is inside its wait (it released m)
        yield* c.signal();
        yield* m.unlock();
        yield* join(waiter);
      });
      const site = (faultOf(r2) as ThreadCrashError).site;
      expect(site.thread).toMatch(/T2\(waiter\)/);
      expect(site.locksHeld).toEqual(['m']);
    });

    it("onThreadError: 'thread' ends only the thread; its joiner's join throws the crash, which it can catch", () => {
      const r = runWith({ ...o, onThreadError: 'thread' }, function* main(): Code<string> {
        const t = yield* spawn(function* doomed(): Code<number> { yield* compute(500); throw new Error('only me'); });
        const fine = yield* spawn(function* fine(): Code<number> { yield* compute(900); return 7; });
        let got = 'nothing';
        try {
          yield* join(t);
        } catch (e) {
          got = e instanceof ThreadCrashError ? `${e.thread}: ${(e.cause as Error).message}` : 'wrong error';
        }
        return `${got}; fine=${yield* join(fine)}`;
      });
      expect(r.ok).toBe(true);
      const bad = r.processes.find((p) => p.name === 'bad');
      expect(bad?.mainResult).toBe('bad/T2(doomed): only me; fine=7');
      const doomed = bad?.threads.find((t) => t.name === 'doomed');
      expect(doomed?.state).toBe('exited');
      expect(doomed?.error).toBeInstanceOf(ThreadCrashError);
    });
  });
}

describe('faults the kernel finds', () => {
  it('an exception in a process\'s own dispatcher code (its runtime state corrupted) is a ProcessFault of that process only', () => {
    const m = new Machine({ cpus: 2, seed: 1 });
    m.process({ name: 'bad' }, function* main(): Code<void> {
      yield* compute(1_000);
      // corrupt the process's own run queue: the next scheduling step throws inside its dispatcher
      const uls = (m.internals().processes[0]?.uls) as unknown as { policy: unknown };
      uls.policy = null;
      yield* yieldNow();
    });
    m.process({ name: 'victim' }, victim);
    const r = m.run();
    const e = faultOf(r);
    expect(e).toBeInstanceOf(ProcessFault);
    expect(e.message).toMatch(/process 'bad' faulted at yield\+\d+, t=\d+ns: an exception in its own code: TypeError/);
    expect(r.processes[1]?.mainResult).toBe(10);
  });
});
