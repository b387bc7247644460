/**
 * Library frames written as state machines: an object with an integer pc that the CPU
 * resumes through the iterator protocol, exactly as it resumes a generator frame, but
 * with no generator, no nested `yield*` helper and no argument records. The blocking
 * primitives, spawn and join run on it (runtime/sync/section.ts, runtime/spawn-frame.ts).
 *
 * Invariants:
 *  1. A LibFrame issues, instruction for instruction, what the generator it replaces
 *     issued: the same opcodes with the same operands in the same order, so trace
 *     hashes, simulated times and the paper tables are unchanged (the oracle of issue 8).
 *     A step that issues no instruction falls through to the next state inside the same
 *     resume, as generator code between two yields does.
 *  2. The frame is its own iterator result (`value`, `done`): a resume allocates nothing.
 *  3. An exception thrown into the frame (a library call that threw) ends it, as it
 *     ends a generator with no try/catch; so does an exception the step throws itself.
 *  4. `spin` and `wake` are sub-machines with their own state; a frame runs at most one
 *     of each at a time (the wake runs with the primitive's spinlock held, never nested).
 */
import { SYS_YIELD } from '../kernel-sim/abi';
import type { Cell, CpuView, Frame } from '../kernel-sim/abi';
import { lib, notifyOp, store, syscallOp, tas, waiting } from './instr';
import { SPIN_THEN_YIELD } from './dispatcher';
import { makeReadyLocked } from './ready';
import { busyLib, vcpuOf } from './uls';
import type { Uls } from './uls';
import type { Tcb } from './tcb';
import { keepWork, oneToOneHere } from './sync/park';

/** step() finished the frame (its value is in `value`). */
export const DONE = -1;
/** A sub-machine (spin, wake) finished: the caller's step goes on in the same resume. */
export const HELD = -2;

export abstract class LibFrame {
  /** The iterator result fields (invariant 2). */
  value: unknown = undefined;
  done = false;
  /** The frame's own state, read by the subclass's step. */
  protected pc = 0;
  /** The spin sub-machine: 0 idle, 1 after a TAS, 2 after keepWork, 3 after sys_yield. */
  private sp = 0;
  private spins = 0;
  private yields = false;
  /** The wake sub-machine: 0 spinning for the sched lock, 1 after the busy count, 2 the enqueue next, 3 after it, 4 after the release, 5 after the notify. */
  private wp = 0;
  private notified = -1;
  /** The thread the wake sub-machine makes ready, and the value it hands over. */
  wakeT: Tcb | null = null;
  wakeV: unknown = undefined;

  /** Reset the iterator and the sub-machines for a new operation (a reused frame). */
  protected reset(): void {
    this.value = undefined;
    this.done = false;
    this.pc = 0;
    this.sp = 0;
    this.spins = 0;
    this.wp = 0;
    this.notified = -1;
    this.wakeT = null;
    this.wakeV = undefined;
  }

  /** Run the frame up to its next instruction (returned) or its end (DONE, after finish()). */
  protected abstract step(v: unknown): number;

  next(v?: unknown): IteratorResult<number, unknown> {
    if (this.done) {
      this.value = undefined; // as a finished generator answers
      return this as IteratorResult<number, unknown>;
    }
    let op: number;
    try {
      op = this.step(v);
    } catch (e) {
      this.done = true; // invariant 3
      this.value = undefined;
      throw e;
    }
    if (op === DONE) this.done = true;
    else this.value = op;
    return this as IteratorResult<number, unknown>;
  }

  throw(e?: unknown): IteratorResult<number, unknown> {
    this.done = true;
    this.value = undefined;
    throw e;
  }

  return(v?: unknown): IteratorResult<number, unknown> {
    this.done = true;
    this.value = v;
    return this as IteratorResult<number, unknown>;
  }

  [Symbol.iterator](): this {
    return this;
  }

  /** The frame as the CPU sees it (the CALL operand). */
  asFrame(): Frame {
    return this as unknown as Frame;
  }

  /** End the frame with `value` (returns DONE for `return this.finish(x)`). */
  protected finish(value: unknown): number {
    this.value = value;
    return DONE;
  }

  /**
   * Acquire `cell` by test-and-set, as runtime/sync/park.ts spinAcquire does: returns the
   * next instruction, or HELD once the word is ours. `v` is the last instruction's result.
   */
  protected spin(cell: Cell, v: unknown): number {
    switch (this.sp) {
      case 0:
        this.yields = oneToOneHere();
        this.spins = 0;
        this.sp = 1;
        return tas(cell);
      case 1:
        if (v === 0) {
          this.sp = 0;
          return HELD;
        }
        if (this.yields && ++this.spins >= SPIN_THEN_YIELD) {
          this.spins = 0;
          this.sp = 2;
          return waiting(lib(keepWork, null)); // spinning with yields is still no progress
        }
        return tas(cell);
      case 2:
        this.sp = 3;
        return waiting(syscallOp(SYS_YIELD));
      default:
        this.sp = 1;
        return tas(cell);
    }
  }

  /**
   * Make `wakeT` ready with `wakeV`, as park.ts wakeDisabled does (the caller is
   * disabled): the sched lock, the busy count under activations, the enqueue, the
   * release, and the notify of a claimed vCPU. Returns the next instruction or HELD.
   */
  protected wake(uls: Uls, v: unknown): number {
    for (;;) {
      switch (this.wp) {
        case 0: {
          const op = this.spin(uls.sched, v);
          if (op !== HELD) return op;
          this.wp = 2;
          if (uls.marks) {
            this.wp = 1;
            return lib(busyLib, 1); // activations: one more busy thread (counted before the vCPU decision)
          }
          continue;
        }
        case 1:
          this.wp = 2;
          continue;
        case 2:
          this.wp = 3;
          return lib(wakeLib, this);
        case 3:
          this.notified = v as number;
          this.wp = 4;
          return store(uls.sched, 0);
        case 4:
          this.wp = 5;
          if (this.notified !== -1) return notifyOp(uls.r.notify, this.notified);
          continue;
        default:
          this.wp = 0; // wakeT and wakeV stay: the caller may wake more with the same value
          return HELD;
      }
    }
  }
}

function wakeLib(cpu: CpuView, f: LibFrame): number {
  const t = f.wakeT as Tcb;
  t.wakeValue = f.wakeV;
  return makeReadyLocked(vcpuOf(cpu), t, 'wake', cpu.now, true);
}
