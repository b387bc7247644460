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
import { callOp, here, one } from '../instr';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';
import { bindOwner } from './owner';
import { AFTER_WOKEN, section, WAIT } from './section';
import type { Section } from './section';

export class Barrier implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly parties: number;
  readonly waiters = new Deque<Tcb>();
  /** Completed generations. */
  generation = 0;
  /** The reason its waiters block with (one record for all of them). */
  readonly blockReason: BlockReason;

  constructor(parties: number, name?: string) {
    if (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1) {
      throw new ArgumentError(`Barrier: parties must be an integer >= 1, got ${String(parties)}`);
    }
    this.label = labelFor('barrier', name);
    this.spin = new Cell(0, this.label);
    this.parties = parties;
    this.blockReason = { kind: 'barrier', on: this };
  }

  /** The missing parties are unknown; nobody holds a barrier. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Wait until `parties` threads have arrived; true for exactly one per generation. */
  wait(): Generator<number, boolean, unknown> {
    bindOwner(this, here('Barrier.wait'), 'Barrier.wait');
    return one<boolean>(callOp(section(this.spin, arriveDecide, this, undefined)));
  }
}

/** wait's Section verdict (runtime/sync/section.ts): block, or as the last party wake the rest with false. */
function arriveDecide(cpu: CpuView, f: Section): void {
  const b = f.obj as Barrier;
  if (b.waiters.length + 1 < b.parties) {
    b.waiters.push(vcpuOf(cpu).current as Tcb);
    f.verdict = WAIT;
    f.reason = b.blockReason;
    f.after = AFTER_WOKEN; // false: another party was the last
    return;
  }
  b.generation++;
  f.result = true;
  f.wakeList = b.waiters.drain();
  f.wakeV = false;
}
