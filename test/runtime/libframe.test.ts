/**
 * Library frames as state machines (runtime/libframe.ts, runtime/sync/section.ts,
 * runtime/spawn.ts) issue, instruction for instruction, what the generator frames they
 * replaced issued. The model here is those generators, written out again as the
 * reference: a program run once on the real primitives and once on the reference frames
 * (driving the same primitives' state) must give the same trace hash, under every
 * mapping and with preemption landing inside the sections. Then the frame protocol
 * itself: a thrown-in error ends a frame, the stack's spare Section is reused and keeps
 * nothing alive, and a busy spare is never re-armed.
 */
import { describe, expect, it } from 'vitest';
import { Channel, Machine, Mutex, Semaphore, compute, join, spawn } from '../../src/index';
import type { Code, Thread } from '../../src/index';
import { RUNNING } from '../../kernel-sim/abi';
import type { Cell, CpuView, Stack, UserCpu } from '../../kernel-sim/abi';
import { csBack, csEnter, csLeave, marksHere, SPIN_THEN_YIELD } from '../../runtime/dispatcher';
import { callOp, lib, notifyOp, one, store, syscallOp, tas, waiting } from '../../runtime/instr';
import { makeReadyLocked } from '../../runtime/ready';
import { blockOp, keepWork, oneToOneHere } from '../../runtime/sync/park';
import { lockTry, release } from '../../runtime/sync/mutex';
import type { Tcb } from '../../runtime/tcb';
import { busyLib, vcpuOf } from '../../runtime/uls';
import { SYS_YIELD } from '../../kernel-sim/abi';
import { MAPPINGS } from '../mappings';

// --- the reference: the generator frames as they were --------------------------------

function* spinAcquire(spin: Cell): Generator<number, void, unknown> {
  const yields = oneToOneHere();
  let n = 0;
  while ((yield tas(spin)) !== 0) {
    if (yields && ++n >= SPIN_THEN_YIELD) {
      n = 0;
      yield waiting(lib(keepWork, null));
      yield waiting(syscallOp(SYS_YIELD));
    }
  }
}

function* wakeDisabled(t: Tcb, value: unknown): Generator<number, void, unknown> {
  const uls = vcpuOf(RUNNING.cpu as CpuView).uls;
  const lock = uls.sched;
  yield* spinAcquire(lock);
  if (uls.marks) yield lib(busyLib, 1);
  const w = (yield lib(wakeLib, { t, value })) as number;
  yield store(lock, 0);
  if (w !== -1) yield notifyOp(uls.r.notify, w);
}

function wakeLib(cpu: CpuView, a: { t: Tcb; value: unknown }): number {
  a.t.wakeValue = a.value;
  return makeReadyLocked(vcpuOf(cpu), a.t, 'wake', cpu.now, true);
}

function* refLock(mu: Mutex): Generator<number, void, unknown> {
  const m = marksHere();
  if (m) yield csEnter();
  yield* spinAcquire(mu.spin);
  const r = (yield lib(lockTry, mu)) as ReturnType<typeof lockTry>;
  if (r.kind === 'wait') {
    yield blockOp(mu.spin, { kind: 'mutex', on: mu });
    return;
  }
  yield store(mu.spin, 0);
  if (m && (yield csLeave()) === true) yield csBack();
  if (r.kind === 'error') throw r.error;
}

function* refUnlock(mu: Mutex): Generator<number, void, unknown> {
  const m = marksHere();
  if (m) yield csEnter();
  yield* spinAcquire(mu.spin);
  const r = (yield lib(release, mu)) as Tcb | Error | null;
  if (r instanceof Error) {
    yield store(mu.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    throw r;
  }
  if (r !== null) yield* wakeDisabled(r, undefined);
  yield store(mu.spin, 0);
  if (m && (yield csLeave()) === true) yield csBack();
}

function semTry(cpu: CpuView, s: Semaphore): boolean {
  if (s.units >= 1) {
    s.units--;
    return true;
  }
  s.waiters.push(vcpuOf(cpu).current as Tcb);
  return false;
}

function semGive(_cpu: CpuView, s: Semaphore): Tcb | null {
  const next = s.waiters.shift() ?? null;
  if (next === null) s.units++;
  return next;
}

function* refWait(s: Semaphore): Generator<number, void, unknown> {
  const m = marksHere();
  if (m) yield csEnter();
  yield* spinAcquire(s.spin);
  if (!((yield lib(semTry, s)) as boolean)) {
    yield blockOp(s.spin, { kind: 'semaphore', on: s });
    return;
  }
  yield store(s.spin, 0);
  if (m && (yield csLeave()) === true) yield csBack();
}

function* refPost(s: Semaphore): Generator<number, void, unknown> {
  const m = marksHere();
  if (m) yield csEnter();
  yield* spinAcquire(s.spin);
  const t = (yield lib(semGive, s)) as Tcb | null;
  if (t !== null) yield* wakeDisabled(t, undefined);
  yield store(s.spin, 0);
  if (m && (yield csLeave()) === true) yield csBack();
}

// --- one program, two implementations ------------------------------------------------

interface Ops {
  lock(m: Mutex): Code<void>;
  unlock(m: Mutex): Code<void>;
  wait(s: Semaphore): Code<void>;
  post(s: Semaphore): Code<void>;
}

const REAL: Ops = { lock: (m) => m.lock(), unlock: (m) => m.unlock(), wait: (s) => s.wait(), post: (s) => s.post() };
const REFERENCE: Ops = {
  lock: (m) => one<void>(callOp(refLock(m))),
  unlock: (m) => one<void>(callOp(refUnlock(m))),
  wait: (s) => one<void>(callOp(refWait(s))),
  post: (s) => one<void>(callOp(refPost(s))),
};

function program(ops: Ops): (n: number) => Code<number> {
  function* worker(i: number, mu: Mutex, sem: Semaphore, box: { n: number }): Code<void> {
    for (let r = 0; r < 6; r++) {
      yield* ops.lock(mu);
      box.n++;
      yield* compute(200 + 61 * i); // long enough for the quantum to land inside
      yield* ops.unlock(mu);
      yield* ops.wait(sem);
      yield* compute(90);
      yield* ops.post(sem);
    }
  }
  return function* main(n: number): Code<number> {
    const mu = new Mutex('mu');
    const sem = new Semaphore(1, 'sem');
    const box = { n: 0 };
    const ts: Thread<void>[] = [];
    for (let i = 0; i < n; i++) ts.push(yield* spawn(worker, i, mu, sem, box));
    for (const t of ts) yield* join(t);
    return box.n;
  };
}

describe('state-machine frames issue what the generator frames issued', () => {
  for (const [title, o] of MAPPINGS) {
    it(`the same trace hash as the reference generators, ${title}`, () => {
      for (const seed of [1, 2, 3]) {
        const run = (ops: Ops): string => {
          const r = new Machine({ cpus: 2, seed, costs: { quantum: 2_000 } }).process(o, program(ops), 4).run();
          expect(r.ok).toBe(true);
          return r.traceHash;
        };
        expect(run(REAL)).toBe(run(REFERENCE));
      }
    });
  }
});

describe('the frame protocol', () => {
  it("a Section's spare frame is reused by the stack and drops its operands when it ends", () => {
    const seen: unknown[] = [];
    const r = new Machine({ cpus: 1 }).process({ vcpus: 1 }, function* main(): Code<void> {
      const mu = new Mutex('mu');
      const ch = new Channel<object>(1, 'ch');
      const st = (RUNNING.cpu as UserCpu).stack as Stack;
      yield* mu.lock();
      seen.push(st.spare);
      yield* mu.unlock();
      yield* ch.send({ big: 1 });
      yield* ch.recv();
      seen.push(st.spare);
      const f = st.spare as { obj: unknown; arg: unknown; result: unknown };
      expect([f.obj, f.arg, f.result]).toEqual([undefined, undefined, undefined]); // nothing kept alive
    }).run();
    expect(r.ok).toBe(true);
    expect(seen[0]).not.toBeNull();
    expect(seen[1]).toBe(seen[0]);
  });

  it('an error a library call throws ends the frame and reaches the caller, which can go on', () => {
    let caught = '';
    const r = new Machine({ cpus: 1 }).process({ vcpus: 1 }, function* main(): Code<string> {
      const mu = new Mutex('mu');
      try {
        yield* mu.unlock(); // not held: NotOwnerError after the release and csLeave
      } catch (e) {
        caught = (e as Error).name;
      }
      yield* mu.lock(); // the spare frame works after a failed operation
      yield* mu.unlock();
      try {
        yield* spawn((() => 5) as unknown as () => Code<void>); // not a generator function
      } catch (e) {
        caught += `,${(e as Error).name}`;
      }
      return caught;
    }).run();
    expect(r.ok).toBe(true);
    expect(caught).toBe('NotOwnerError,ArgumentError');
  });
});
