/**
 * Barrier: `parties` threads meet; the last to arrive wakes the others and the barrier
 * starts a new generation, so it is reusable. State is guarded by a spinlock word,
 * taken while disabled.
 *
 * Invariants:
 *  1. 0 <= waiters.length < parties between operations; every waiter is blocked on
 *     this barrier with reason 'barrier' and belongs to the current generation.
 *  2. Per generation exactly one wait() returns true: the last arrival, which takes the
 *     whole queue, bumps `generation` and wakes the rest (they return false).
 *  3. parties is an integer >= 1 (ArgumentError).
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { ArgumentError } from '../errors';
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { blockOp, woken, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';

type Arrive = { kind: 'last'; wake: readonly Tcb[] } | { kind: 'wait' };

export class Barrier implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly parties: number;
  readonly waiters = new Deque<Tcb>();
  /** Completed generations. */
  generation = 0;

  constructor(parties: number, name?: string) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) {
      throw new ArgumentError(`Barrier: parties must be an integer >= 1, got ${String(parties)}`);
    }
    this.label = labelFor('barrier', name);
    this.spin = new Cell(0, this.label);
    this.parties = parties;
  }

  /** The missing parties are unknown; nobody holds a barrier. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Wait until `parties` threads have arrived; true for exactly one per generation. */
  wait(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Barrier.wait'), 'Barrier.wait');
    return one<boolean>(callOp(this.waitFrame()));
  }

  private *waitFrame(): Generator<number, boolean, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(arrive, this)) as Arrive;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'barrier', on: this });
      return woken() as boolean;
    }
    for (const t of r.wake) yield* wakeDisabled(t, false);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    return true;
  }
}

function arrive(cpu: CpuView, b: Barrier): Arrive {
  if (b.waiters.length + 1 < b.parties) {
    b.waiters.push(vcpuOf(cpu).current as Tcb);
    return { kind: 'wait' };
  }
  b.generation++;
  return { kind: 'last', wake: b.waiters.drain() };
}
