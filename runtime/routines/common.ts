/**
 * Helpers shared by the dispatcher routines (state machines over pc and registers).
 * Every routine here runs disabled: it is never re-entered on its vCPU.
 *
 * Invariants:
 *  1. One call of a routine's step() is one instruction; it sets x.pc for the next.
 *  2. lockStep is a test-and-set: on failure the pc stays put (spin), so other vCPUs
 *     interleave between attempts.
 *  3. Recover mode: a routine spinning on the sched lock never waits for a thread whose
 *     context sits in this vCPU's own notices (the kernel cannot preempt a disabled
 *     spinner to deliver them): schedLockStep gives up the attempt, parks the routine's
 *     own thread, and enters the run upcall's recovery pass.
 */
import { P_ATOMIC } from '../../kernel-sim/abi';
import { SYS_YIELD } from '../../kernel-sim/abi';
import type { Cell, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { Tcb } from '../tcb';
import type { Vcpu } from '../uls';
import { recoverable } from './recover';
import { run } from './run';
import { SPIN_THEN_YIELD } from '../sync/park';

/** Test-and-set `cell`; continue at `next` when acquired, else spin at the same pc. */
export function lockStep(x: SmExec, cell: Cell, next: number): void {
  x.use(P_ATOMIC);
  if (x.tas(cell) === 0) x.pc = next;
}

/**
 * Test-and-set the process's sched lock; continue at `next` when acquired. Recover mode
 * (invariant 3): when the attempt fails and a notice newer than the last look hands this
 * vCPU a thread caught inside a critical section, `park` puts the routine's own thread
 * somewhere the lock holder will finish it, and the run upcall recovers (null: nothing
 * to park, the routine is the run upcall itself).
 */
export function schedLockStep(x: SmExec, v: Vcpu, next: number, park: ((x: SmExec, v: Vcpu) => void) | null): void {
  x.use(P_ATOMIC);
  if (x.tas(v.uls.sched) === 0) {
    x.pc = next;
    v.spins = 0;
    return;
  }
  const s = x.disp;
  // 1:1: the holder is a kernel thread the kernel may have preempted; after a short spin
  // give the processor away (sys_yield with work left; this pc runs again on return).
  if (v.uls.mapping === '1:1' && ++v.spins >= SPIN_THEN_YIELD) {
    v.spins = 0;
    s.haswork = 1;
    x.syscall(SYS_YIELD);
    return;
  }
  if (v.uls.cs !== 'recover' || s.delivered === v.noticeMark) return;
  v.noticeMark = s.delivered;
  if (!recoverable(v, s.events)) return;
  if (park !== null) park(x, v);
  x.r0 = null; // entered by a routine, not by the kernel (not counted as a run upcall)
  x.goto(run, 0);
}

export function vcpuOfExec(x: SmExec): Vcpu {
  return x.disp.udisp as Vcpu;
}

export function currentOf(v: Vcpu, where: string): Tcb {
  const t = v.current;
  return t === null ? panic(where, `vCPU ${v.index} has no current thread`) : t;
}

/** Pending wake register (r3): a vCPU index to notify after unlocking, or -1. */
export function pendingWake(x: SmExec): number {
  return typeof x.r3 === 'number' ? x.r3 : -1;
}
