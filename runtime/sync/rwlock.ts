/**
 * Readers-writer lock, fair FIFO: one writer or any number of readers, with a single
 * FIFO wait queue guarded by a spinlock word, taken while disabled. A request that
 * cannot be granted at once, or that finds earlier requests queued, queues (no
 * barging, so neither readers nor writers starve). On release the head is granted: a
 * writer alone, or the maximal run of consecutive readers at the head.
 *
 * Invariants:
 *  1. writer !== null implies readers is empty; the holders are exactly `writer` or
 *     `readers`, and grants set them before the waiters are woken.
 *  2. `waiters` is non-empty only while the lock is held; its head is never grantable
 *     after a grant step (grantLocked runs until it is not).
 *  3. Only a reader may readUnlock and only the writer may writeUnlock (NotOwnerError).
 *     A holder asking again (write while writing or reading, read while writing or
 *     reading) is a RecursiveLockError: readers are a set, not counted, and a re-read
 *     behind a queued writer would deadlock.
 *  4. Every waiter is blocked with reason 'rwlock' in its mode and is on `waiters`
 *     exactly once.
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { NotOwnerError, RecursiveLockError } from '../errors';
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { blockOp, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';

export type RwMode = 'read' | 'write';

interface RwWaiter {
  readonly t: Tcb;
  readonly mode: RwMode;
}

type RwTry = { kind: 'got' } | { kind: 'wait' } | { kind: 'error'; error: Error };
type RwRelease = { kind: 'ok'; wake: readonly Tcb[] } | { kind: 'error'; error: Error };

export class RwLock implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  writer: Tcb | null = null;
  readonly readers = new Set<Tcb>();
  readonly waiters = new Deque<RwWaiter>();
  /** Times a lock request had to block. */
  contended = 0;

  constructor(name?: string) {
    this.label = labelFor('rwlock', name);
    this.spin = new Cell(0, this.label);
  }

  owners(): readonly Thread[] {
    return this.writer !== null ? [this.writer] : [...this.readers];
  }

  readLock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.readLock'), 'RwLock.readLock');
    return one<void>(callOp(this.lockFrame('read')));
  }

  readUnlock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.readUnlock'), 'RwLock.readUnlock');
    return one<void>(callOp(this.unlockFrame('read')));
  }

  writeLock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.writeLock'), 'RwLock.writeLock');
    return one<void>(callOp(this.lockFrame('write')));
  }

  writeUnlock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.writeUnlock'), 'RwLock.writeUnlock');
    return one<void>(callOp(this.unlockFrame('write')));
  }

  private *lockFrame(mode: RwMode): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(lockTry, { l: this, mode })) as RwTry;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'rwlock', on: this, mode }); // woken as a holder
      return;
    }
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    if (r.kind === 'error') throw r.error;
  }

  private *unlockFrame(mode: RwMode): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(release, { l: this, mode })) as RwRelease;
    if (r.kind === 'error') {
      yield store(this.spin, 0);
      if (m && (yield csLeave()) === true) yield csBack();
      throw r.error;
    }
    for (const t of r.wake) yield* wakeDisabled(t, undefined);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }
}

function lockTry(cpu: CpuView, a: { l: RwLock; mode: RwMode }): RwTry {
  const l = a.l;
  const me = vcpuOf(cpu).current as Tcb;
  const api = a.mode === 'read' ? 'RwLock.readLock' : 'RwLock.writeLock';
  if (l.writer === me) return { kind: 'error', error: new RecursiveLockError(`${api}: ${me.label} already holds ${l.label} for write`) };
  if (l.readers.has(me)) return { kind: 'error', error: new RecursiveLockError(`${api}: ${me.label} already holds ${l.label} for read`) };
  const free = a.mode === 'read' ? l.writer === null : l.writer === null && l.readers.size === 0;
  if (free && l.waiters.length === 0) {
    if (a.mode === 'read') l.readers.add(me);
    else l.writer = me;
    return { kind: 'got' };
  }
  l.waiters.push({ t: me, mode: a.mode });
  l.contended++;
  return { kind: 'wait' };
}

/** Drop the caller's hold, then grant the head of the queue as far as it goes. */
function release(cpu: CpuView, a: { l: RwLock; mode: RwMode }): RwRelease {
  const l = a.l;
  const me = vcpuOf(cpu).current as Tcb;
  if (a.mode === 'read') {
    if (!l.readers.delete(me)) {
      return { kind: 'error', error: new NotOwnerError(`RwLock.readUnlock: ${me.label} does not hold ${l.label} for read${holders(l)}`) };
    }
  } else {
    if (l.writer !== me) {
      return { kind: 'error', error: new NotOwnerError(`RwLock.writeUnlock: ${me.label} does not hold ${l.label} for write${holders(l)}`) };
    }
    l.writer = null;
  }
  return { kind: 'ok', wake: grantLocked(l) };
}

/** Grant the head: a writer alone when the lock is free, or the run of readers at the head. */
function grantLocked(l: RwLock): Tcb[] {
  const woken: Tcb[] = [];
  if (l.writer !== null) return woken;
  const head = l.waiters.peek();
  if (head === undefined) return woken;
  if (head.mode === 'write') {
    if (l.readers.size > 0) return woken;
    l.waiters.shift();
    l.writer = head.t;
    woken.push(head.t);
    return woken;
  }
  while (l.waiters.length > 0 && (l.waiters.peek() as RwWaiter).mode === 'read') {
    const w = l.waiters.shift() as RwWaiter;
    l.readers.add(w.t);
    woken.push(w.t);
  }
  return woken;
}

function holders(l: RwLock): string {
  if (l.writer !== null) return ` (written by ${l.writer.label})`;
  if (l.readers.size > 0) return ` (read by ${[...l.readers].map((t) => t.label).join(', ')})`;
  return ' (it is free)';
}
