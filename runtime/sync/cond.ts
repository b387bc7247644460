/**
 * Condition variable (Barrelfish thread_cond): a FIFO wait queue guarded by a spinlock
 * word, taken while disabled. wait() releases the caller's mutex while disabled and
 * holding the cond spinlock, so a signal cannot slip in between the unlock and the block.
 *
 * Invariants:
 *  1. No lost wake-up: a waiter is on `waiters` before the cond spinlock is released,
 *     and signal/broadcast need that spinlock to find it. The mutex is released only
 *     while the cond spinlock is held, so a signaller that took the mutex after us
 *     waits for the spinlock until we are blocked.
 *  2. Every waiter is blocked on this cond with reason 'cond' and is on `waiters`
 *     exactly once; signal wakes the head (FIFO), broadcast all, in queue order.
 *  3. wait() returns holding the mutex again (it re-locks after the wake-up, which may
 *     block on the mutex); a caller that does not hold the mutex gets NotOwnerError
 *     and is neither queued nor blocked.
 *  4. Lock order: cond spinlock, then mutex spinlock, then the sched lock.
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import type { Mutex } from './mutex';
import { blockOp, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';
import { ArgumentError, NotOwnerError } from '../errors';

export class Cond implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly waiters = new Deque<Tcb>();
  /** Times a signal or broadcast woke at least one thread. */
  wakeups = 0;

  constructor(name?: string) {
    this.label = labelFor('cond', name);
    this.spin = new Cell(0, this.label);
  }

  /** Nobody holds a cond; whoever would signal it is unknown. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Atomically release m and wait for a signal; returns holding m again. */
  wait(m: Mutex): Generator<number, void, unknown> {
    const cpu = here('Cond.wait');
    if (typeof m !== 'object' || m === null || typeof (m as { unlockDisabled?: unknown }).unlockDisabled !== 'function') {
      throw new ArgumentError(`Cond.wait: ${this.label} needs the Mutex that guards it, got ${m === null ? 'null' : typeof m}`);
    }
    bindOwner(this, cpu, 'Cond.wait');
    bindOwner(m, cpu, 'Cond.wait');
    return one<void>(callOp(this.waitFrame(m)));
  }

  /** Wake the first waiter, if any. */
  signal(): Generator<number, void, unknown> {
    bindOwner(this, here('Cond.signal'), 'Cond.signal');
    return one<void>(callOp(this.wakeFrame(false)));
  }

  /** Wake every waiter. */
  broadcast(): Generator<number, void, unknown> {
    bindOwner(this, here('Cond.broadcast'), 'Cond.broadcast');
    return one<void>(callOp(this.wakeFrame(true)));
  }

  private *waitFrame(mu: Mutex): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    try {
      yield* mu.unlockDisabled(); // NotOwnerError unless we hold mu; it has released mu.spin
    } catch (e) {
      yield store(this.spin, 0);
      if (m && (yield csLeave()) === true) yield csBack();
      // Say which call was misused: the caller called wait, not unlock.
      throw e instanceof NotOwnerError ? new NotOwnerError(`Cond.wait on ${this.label}: ${e.detail.replace(/^Mutex\.unlock: /, '')}; wait needs the mutex held`) : e;
    }
    yield lib(enqueue, this);
    yield blockOp(this.spin, { kind: 'cond', on: this }); // returns enabled
    yield* mu.lockInFrame(); // take the mutex again, inside this frame
  }

  private *wakeFrame(all: boolean): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const ts = (yield lib(dequeue, { c: this, all })) as readonly Tcb[];
    for (const t of ts) yield* wakeDisabled(t, undefined);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }
}

function enqueue(cpu: CpuView, c: Cond): void {
  c.waiters.push(vcpuOf(cpu).current as Tcb);
}

/** Take the head (or every waiter) off the queue; returns the threads to wake. */
function dequeue(_cpu: CpuView, a: { c: Cond; all: boolean }): readonly Tcb[] {
  const c = a.c;
  if (c.waiters.length === 0) return [];
  c.wakeups++;
  if (a.all) return c.waiters.drain();
  return [c.waiters.shift() as Tcb];
}
