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
import { callOp, here, one } from '../instr';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';
import { bindOwner } from './owner';
import { FAIL, section, WAIT } from './section';
import type { Section } from './section';

export type RwMode = 'read' | 'write';

interface RwWaiter {
  readonly t: Tcb;
  readonly mode: RwMode;
}

const NONE: readonly Tcb[] = [];

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
  /** The reasons its readers and writers block with (one record each for all of them). */
  readonly readReason: BlockReason;
  readonly writeReason: BlockReason;

  constructor(name?: string) {
    this.label = labelFor('rwlock', name);
    this.spin = new Cell(0, this.label);
    this.readReason = { kind: 'rwlock', on: this, mode: 'read' };
    this.writeReason = { kind: 'rwlock', on: this, mode: 'write' };
  }

  owners(): readonly Thread[] {
    return this.writer !== null ? [this.writer] : [...this.readers];
  }

  readLock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.readLock'), 'RwLock.readLock');
    return one<void>(callOp(section(this.spin, lockDecide, this, 'read')));
  }

  readUnlock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.readUnlock'), 'RwLock.readUnlock');
    return one<void>(callOp(section(this.spin, unlockDecide, this, 'read')));
  }

  writeLock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.writeLock'), 'RwLock.writeLock');
    return one<void>(callOp(section(this.spin, lockDecide, this, 'write')));
  }

  writeUnlock(): Generator<number, void, unknown> {
    bindOwner(this, here('RwLock.writeUnlock'), 'RwLock.writeUnlock');
    return one<void>(callOp(section(this.spin, unlockDecide, this, 'write')));
  }
}

// The Section verdicts of the four calls (runtime/sync/section.ts): obj the lock, arg the mode.
function lockDecide(cpu: CpuView, f: Section): void {
  const l = f.obj as RwLock;
  const mode = f.arg as RwMode;
  const r = lockTry(cpu, l, mode);
  if (r === GOT) return;
  if (r === WAITS) {
    f.verdict = WAIT; // woken as a holder
    f.reason = mode === 'read' ? l.readReason : l.writeReason;
    return;
  }
  f.verdict = FAIL;
  f.result = r;
}

function unlockDecide(cpu: CpuView, f: Section): void {
  const r = release(cpu, f.obj as RwLock, f.arg as RwMode);
  if (r instanceof Error) {
    f.verdict = FAIL;
    f.result = r;
  } else f.wakeList = r;
}

const GOT = 0;
const WAITS = 1;

/** GOT, WAITS (queued), or the error of a recursive lock. */
function lockTry(cpu: CpuView, l: RwLock, mode: RwMode): number | Error {
  const me = vcpuOf(cpu).current as Tcb;
  const api = mode === 'read' ? 'RwLock.readLock' : 'RwLock.writeLock';
  if (l.writer === me) return new RecursiveLockError(`${api}: ${me.label} already holds ${l.label} for write`);
  if (l.readers.has(me)) return new RecursiveLockError(`${api}: ${me.label} already holds ${l.label} for read`);
  const free = mode === 'read' ? l.writer === null : l.writer === null && l.readers.size === 0;
  if (free && l.waiters.length === 0) {
    if (mode === 'read') l.readers.add(me);
    else l.writer = me;
    return GOT;
  }
  l.waiters.push({ t: me, mode });
  l.contended++;
  return WAITS;
}

/** Drop the caller's hold, then grant the head of the queue as far as it goes. */
/** The threads granted the lock (to wake), or the error of a caller that does not hold it. */
function release(cpu: CpuView, l: RwLock, mode: RwMode): readonly Tcb[] | Error {
  const me = vcpuOf(cpu).current as Tcb;
  if (mode === 'read') {
    if (!l.readers.delete(me)) return new NotOwnerError(`RwLock.readUnlock: ${me.label} does not hold ${l.label} for read${holders(l)}`);
  } else {
    if (l.writer !== me) return new NotOwnerError(`RwLock.writeUnlock: ${me.label} does not hold ${l.label} for write${holders(l)}`);
    l.writer = null;
  }
  return grantLocked(l);
}

/** Grant the head: a writer alone when the lock is free, or the run of readers at the head. */
function grantLocked(l: RwLock): readonly Tcb[] {
  if (l.writer !== null) return NONE;
  const head = l.waiters.peek();
  if (head === undefined) return NONE;
  if (head.mode === 'write') {
    if (l.readers.size > 0) return NONE;
    l.waiters.shift();
    l.writer = head.t;
    return [head.t];
  }
  const woken: Tcb[] = [];
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
