/**
 * SpinLock: a user-level test-and-set lock. lock() spins on simulated TAS instructions,
 * so threads on other vCPUs interleave between attempts. Holding it is a critical
 * section of the user level: with activations its holder is never left preempted
 * while others spin: prevented (it runs disabled) or recovered (an upcall continues it
 * until it unlocks), per the process's `criticalSections`. Kernel threads (1:1, N:1,
 * plain M:N) get neither: a holder preempted by the kernel makes the others spin.
 *
 * Invariants:
 *  1. unlock() by a thread that does not hold the lock is a NotOwnerError.
 *  2. Every acquire attempt is exactly one atomic instruction.
 *  3. Waiting is never progress: a failed attempt is a spin, and a fair waiter's yield
 *     (with its critical-section marks) is issued as `waiting`. A waiter notes the lock
 *     in its TCB (spinningOn) until it gets it, so a livelock report names spinners,
 *     lock and holder, and whether that holder exited without unlocking.
 */
import { Cell } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { NotOwnerError, RecursiveLockError } from '../errors';
import { callOp, here, lib, one, store, tas, trapOp, waiting } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import type { Tcb, Thread, Waitable } from '../tcb';
import { labelFor, selfLib } from './park';
import { bindOwner } from './owner';

export class SpinLock implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly word: Cell;
  readonly label: string;
  holder: Tcb | null = null;
  /** Failed test-and-set attempts (contention). */
  spins = 0;
  /** Times a waiter yielded instead of spinning on (fair scheduling). */
  yields = 0;

  constructor(name?: string) {
    this.label = labelFor('spinlock', name);
    this.word = new Cell(0, this.label);
  }

  owners(): readonly Thread[] {
    return this.holder === null ? [] : [this.holder];
  }

  lock(): Generator<number, void, unknown> {
    bindOwner(this, here('SpinLock.lock'), 'SpinLock.lock');
    return one<void>(callOp(this.lockFrame()));
  }

  unlock(): Generator<number, void, unknown> {
    bindOwner(this, here('SpinLock.unlock'), 'SpinLock.unlock');
    return one<void>(callOp(this.unlockFrame()));
  }

  private *lockFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    const me = (yield lib(selfLib, null)) as Tcb;
    if (this.holder === me) throw new RecursiveLockError(`SpinLock.lock: ${me.label} already holds ${this.label}`);
    const uls = vcpuOf(here('SpinLock.lock')).uls;
    if (m) yield csEnter(); // a critical section of the user level: prevented or recovered
    let run = 0;
    while ((yield tas(this.word)) !== 0) {
      this.spins++;
      me.spinningOn = this; // for a livelock report: who spins on what
      if (++run >= uls.spinYield) {
        // fair scheduling: leave the critical section and let the holder run. None of
        // it is progress (invariant 3): a waiter whose holder never unlocks livelocks.
        run = 0;
        this.yields++;
        if (m && (yield waiting(csLeave())) === true) yield waiting(csBack());
        yield waiting(trapOp(uls.r.yield));
        if (m) yield waiting(csEnter());
      }
    }
    me.spinningOn = null;
    yield lib(setHolder, { l: this, t: me });
  }

  private *unlockFrame(): Generator<number, void, unknown> {
    const m = marksHere();
    const me = (yield lib(selfLib, null)) as Tcb;
    if (this.holder !== me) {
      throw new NotOwnerError(`SpinLock.unlock: ${me.label} does not hold ${this.label}${this.holder !== null ? ` (held by ${this.holder.label})` : ' (it is free)'}`);
    }
    this.holder = null;
    me.locksHeld--;
    yield store(this.word, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }
}

function setHolder(_cpu: CpuView, a: { l: SpinLock; t: Tcb }): void {
  a.l.holder = a.t;
  a.t.locksHeld++;
}
