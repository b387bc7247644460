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
import type { CpuView } from '../../kernel-sim/abi';
import { NotOwnerError, RecursiveLockError } from '../errors';
import { callOp, here, one } from '../instr';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';
import { bindOwner } from './owner';
import { FAIL, section, WAIT } from './section';
import type { Section } from './section';

export type LockTry = { kind: 'got' } | { kind: 'wait' } | { kind: 'error'; error: Error };

export class Mutex implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  holder: Tcb | null = null;
  readonly waiters = new Deque<Tcb>();
  /** Times lock() had to block. */
  contended = 0;
  /** The reason its waiters block with (one record for all of them). */
  readonly blockReason: BlockReason;

  constructor(name?: string) {
    this.label = labelFor('mutex', name);
    this.spin = new Cell(0, this.label);
    this.blockReason = { kind: 'mutex', on: this };
  }

  owners(): readonly Thread[] {
    return this.holder === null ? [] : [this.holder];
  }

  lock(): Generator<number, void, unknown> {
    bindOwner(this, here('Mutex.lock'), 'Mutex.lock');
    return one<void>(callOp(section(this.spin, lockDecide, this, undefined)));
  }

  unlock(): Generator<number, void, unknown> {
    bindOwner(this, here('Mutex.unlock'), 'Mutex.unlock');
    return one<void>(callOp(section(this.spin, unlockDecide, this, undefined)));
  }

  /** Take the mutex if free; never blocks. */
  tryLock(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Mutex.tryLock'), 'Mutex.tryLock');
    return one<boolean>(callOp(section(this.spin, tryDecide, this, undefined)));
  }
}

// The Section verdicts of lock, tryLock and unlock (runtime/sync/section.ts).
function lockDecide(cpu: CpuView, f: Section): void {
  const r = lockTry(cpu, f.obj as Mutex);
  if (r.kind === 'wait') {
    f.verdict = WAIT;
    f.reason = (f.obj as Mutex).blockReason;
  } else if (r.kind === 'error') {
    f.verdict = FAIL;
    f.result = r.error;
  }
}

function tryDecide(cpu: CpuView, f: Section): void {
  f.result = tryOnly(cpu, f.obj as Mutex);
}

function unlockDecide(cpu: CpuView, f: Section): void {
  const r = release(cpu, f.obj as Mutex);
  if (r instanceof Error) {
    f.verdict = FAIL;
    f.result = r;
  } else if (r !== null) f.wakeT = r;
}

const GOT: LockTry = { kind: 'got' };
const WAITS: LockTry = { kind: 'wait' };

/** Take m for the caller, or queue the caller (with m's spinlock held); Cond.wait's relock uses it too. */
export function lockTry(cpu: CpuView, m: Mutex): LockTry {
  const me = vcpuOf(cpu).current as Tcb;
  if (m.holder === null) {
    m.holder = me;
    return GOT;
  }
  if (m.holder === me) return { kind: 'error', error: new RecursiveLockError(`Mutex.lock: ${me.label} already holds ${m.label}`) };
  m.waiters.push(me);
  m.contended++;
  return WAITS;
}

function tryOnly(cpu: CpuView, m: Mutex): boolean {
  if (m.holder !== null) return false;
  m.holder = vcpuOf(cpu).current as Tcb;
  return true;
}

/** Hand-off or free; returns the waiter to wake, null, or an error for a non-holder. */
export function release(cpu: CpuView, m: Mutex): Tcb | Error | null {
  const me = vcpuOf(cpu).current as Tcb;
  if (m.holder !== me) {
    return new NotOwnerError(`Mutex.unlock: ${me.label} does not hold ${m.label}${m.holder !== null ? ` (held by ${m.holder.label})` : ' (it is unlocked)'}`);
  }
  const next = m.waiters.shift() ?? null;
  m.holder = next;
  return next;
}
