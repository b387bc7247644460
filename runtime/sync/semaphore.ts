/**
 * Counting semaphore (Barrelfish thread_sem): a count and a FIFO wait queue guarded by
 * a spinlock word, taken while disabled. post() with a waiter hands the unit directly
 * to the first waiter (the count stays as it is), so a late wait() cannot barge in.
 *
 * Invariants:
 *  1. units >= 0, and units > 0 implies `waiters` is empty (a post with a waiter
 *     never increments).
 *  2. Every waiter is blocked on this semaphore with reason 'semaphore' and is on
 *     `waiters` exactly once; it is woken owning the unit it waited for.
 *  3. The constructor's initial count is a non-negative integer (ArgumentError).
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { ArgumentError } from '../errors';
import { callOp, here, one } from '../instr';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';
import { bindOwner } from './owner';
import { section, WAIT } from './section';
import type { Section } from './section';

export class Semaphore implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  units: number;
  readonly waiters = new Deque<Tcb>();
  /** Times wait() had to block. */
  contended = 0;
  /** The reason its waiters block with (one record for all of them). */
  readonly blockReason: BlockReason;

  constructor(initial: number, name?: string) {
    if (typeof initial !== 'number' || !Number.isInteger(initial) || initial < 0) {
      throw new ArgumentError(`Semaphore: initial value must be a non-negative integer, got ${String(initial)}`);
    }
    this.label = labelFor('semaphore', name);
    this.spin = new Cell(0, this.label);
    this.units = initial;
    this.blockReason = { kind: 'semaphore', on: this };
  }

  /** The current count (0 while threads wait). */
  get value(): number {
    return this.units;
  }

  /** Nobody holds a semaphore; whoever would post it is unknown. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Take a unit, blocking until one is posted. */
  wait(): Generator<number, void, unknown> {
    bindOwner(this, here('Semaphore.wait'), 'Semaphore.wait');
    return one<void>(callOp(section(this.spin, waitDecide, this, undefined)));
  }

  /** Give a unit: to the first waiter if any, else to the count. */
  post(): Generator<number, void, unknown> {
    bindOwner(this, here('Semaphore.post'), 'Semaphore.post');
    return one<void>(callOp(section(this.spin, postDecide, this, undefined)));
  }

  /** Take a unit if one is available; never blocks. */
  tryWait(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Semaphore.tryWait'), 'Semaphore.tryWait');
    return one<boolean>(callOp(section(this.spin, tryDecide, this, undefined)));
  }
}

// The Section verdicts of wait, tryWait and post (runtime/sync/section.ts).
function waitDecide(cpu: CpuView, f: Section): void {
  const s = f.obj as Semaphore;
  if (s.units >= 1) {
    s.units--;
    return;
  }
  s.waiters.push(vcpuOf(cpu).current as Tcb);
  s.contended++;
  f.verdict = WAIT; // woken owning the unit
  f.reason = s.blockReason;
}

function tryDecide(_cpu: CpuView, f: Section): void {
  f.result = tryOnly(f.obj as Semaphore);
}

function postDecide(_cpu: CpuView, f: Section): void {
  f.wakeT = give(f.obj as Semaphore);
}

function tryOnly(s: Semaphore): boolean {
  if (s.units < 1) return false;
  s.units--;
  return true;
}

/** Hand-off to the first waiter (returned), or increment and return null. */
function give(s: Semaphore): Tcb | null {
  const next = s.waiters.shift() ?? null;
  if (next === null) s.units++;
  return next;
}
