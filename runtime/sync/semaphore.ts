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
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { blockOp, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';

type SemTry = { kind: 'got' } | { kind: 'wait' };

export class Semaphore implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  units: number;
  readonly waiters = new Deque<Tcb>();
  /** Times wait() had to block. */
  contended = 0;

  constructor(initial: number, name?: string) {
    if (typeof initial !== 'number' || !Number.isInteger(initial) || initial < 0) {
      throw new ArgumentError(`Semaphore: initial value must be a non-negative integer, got ${String(initial)}`);
    }
    this.label = labelFor('semaphore', name);
    this.spin = new Cell(0, this.label);
    this.units = initial;
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
    return one<void>(callOp(this.waitFrame()));
  }

  /** Give a unit: to the first waiter if any, else to the count. */
  post(): Generator<number, void, unknown> {
    bindOwner(this, here('Semaphore.post'), 'Semaphore.post');
    return one<void>(callOp(this.postFrame()));
  }

  /** Take a unit if one is available; never blocks. */
  tryWait(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Semaphore.tryWait'), 'Semaphore.tryWait');
    return one<boolean>(callOp(this.tryWaitFrame()));
  }

  private *waitFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(semTry, this)) as SemTry;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'semaphore', on: this }); // woken owning the unit
      return;
    }
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }

  private *tryWaitFrame(): Generator<number, boolean, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const got = (yield lib(tryOnly, this)) as boolean;
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    return got;
  }

  private *postFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const t = (yield lib(give, this)) as Tcb | null;
    if (t !== null) yield* wakeDisabled(t, undefined);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }
}

function semTry(cpu: CpuView, s: Semaphore): SemTry {
  if (s.units >= 1) {
    s.units--;
    return { kind: 'got' };
  }
  s.waiters.push(vcpuOf(cpu).current as Tcb);
  s.contended++;
  return { kind: 'wait' };
}

function tryOnly(_cpu: CpuView, s: Semaphore): boolean {
  if (s.units < 1) return false;
  s.units--;
  return true;
}

/** Hand-off to the first waiter (returned), or increment and return null. */
function give(_cpu: CpuView, s: Semaphore): Tcb | null {
  const next = s.waiters.shift() ?? null;
  if (next === null) s.units++;
  return next;
}
