/**
 * Mutex (Barrelfish thread_mutex): a holder and a FIFO wait queue guarded by a
 * spinlock word, taken while disabled. Unlock with waiters hands ownership directly
 * to the first waiter (no barging); without waiters the mutex becomes free.
 *
 * Invariants:
 *  1. holder !== null iff the mutex is locked; only the holder may unlock
 *     (NotOwnerError); the holder locking again is a RecursiveLockError.
 *  2. Every waiter is blocked on this mutex with reason 'mutex' and is on `waiters`
 *     exactly once; hand-off sets holder before the waiter is woken.
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView, Frame } from '../../kernel-sim/abi';
import { NotOwnerError, RecursiveLockError } from '../errors';
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { blockOp, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';

type LockTry = { kind: 'got' } | { kind: 'wait' } | { kind: 'error'; error: Error };

export class Mutex implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  holder: Tcb | null = null;
  readonly waiters = new Deque<Tcb>();
  /** Times lock() had to block. */
  contended = 0;

  constructor(name?: string) {
    this.label = labelFor('mutex', name);
    this.spin = new Cell(0, this.label);
  }

  owners(): readonly Thread[] {
    return this.holder === null ? [] : [this.holder];
  }

  lock(): Generator<number, void, unknown> {
    bindOwner(this, here('Mutex.lock'), 'Mutex.lock');
    return one<void>(callOp(this.lockInFrame()));
  }

  unlock(): Generator<number, void, unknown> {
    bindOwner(this, here('Mutex.unlock'), 'Mutex.unlock');
    return one<void>(callOp(this.unlockFrame()));
  }

  /** Take the mutex if free; never blocks. */
  tryLock(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Mutex.tryLock'), 'Mutex.tryLock');
    return one<boolean>(callOp(this.tryLockFrame()));
  }

  /**
   * The body of lock(), run in the caller's own library frame (no CALL): what Cond.wait
   * does to take the mutex again, as a monitor's wait does internally.
   */
  *lockInFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(lockTry, this)) as LockTry;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'mutex', on: this }); // woken as the holder
      return;
    }
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    if (r.kind === 'error') throw r.error;
  }

  private *tryLockFrame(): Frame {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const got = (yield lib(tryOnly, this)) as boolean;
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    return got;
  }

  private *unlockFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(release, this)) as Tcb | Error | null;
    if (r instanceof Error) {
      yield store(this.spin, 0);
      if (m && (yield csLeave()) === true) yield csBack();
      throw r;
    }
    if (r !== null) yield* wakeDisabled(r, undefined);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }

  /** Unlock while already disabled and holding nothing else but (maybe) a caller's spinlock: used by Cond.wait. */
  *unlockDisabled(): Generator<number, void, unknown> {
    yield* spinAcquire(this.spin);
    const r = (yield lib(release, this)) as Tcb | Error | null;
    if (r instanceof Error) {
      yield store(this.spin, 0);
      throw r;
    }
    if (r !== null) yield* wakeDisabled(r, undefined);
    yield store(this.spin, 0);
  }
}

function lockTry(cpu: CpuView, m: Mutex): LockTry {
  const me = vcpuOf(cpu).current as Tcb;
  if (m.holder === null) {
    m.holder = me;
    return { kind: 'got' };
  }
  if (m.holder === me) return { kind: 'error', error: new RecursiveLockError(`Mutex.lock: ${me.label} already holds ${m.label}`) };
  m.waiters.push(me);
  m.contended++;
  return { kind: 'wait' };
}

function tryOnly(cpu: CpuView, m: Mutex): boolean {
  if (m.holder !== null) return false;
  m.holder = vcpuOf(cpu).current as Tcb;
  return true;
}

/** Hand-off or free; returns the waiter to wake, null, or an error for a non-holder. */
function release(cpu: CpuView, m: Mutex): Tcb | Error | null {
  const me = vcpuOf(cpu).current as Tcb;
  if (m.holder !== me) {
    return new NotOwnerError(`Mutex.unlock: ${me.label} does not hold ${m.label}${m.holder !== null ? ` (held by ${m.holder.label})` : ' (it is unlocked)'}`);
  }
  const next = m.waiters.shift() ?? null;
  m.holder = next;
  return next;
}
