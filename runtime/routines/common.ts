/**
 * Helpers shared by the dispatcher routines (state machines over pc and registers).
 * Every routine here runs disabled: it is never re-entered on its vCPU.
 *
 * Invariants:
 *  1. One call of a routine's step() is one instruction; it sets x.pc for the next.
 *  2. lockStep is a test-and-set: on failure the pc stays put (spin), so other vCPUs
 *     interleave between attempts.
 */
import type { Cell, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { Tcb } from '../tcb';
import type { Vcpu } from '../uls';

/** Test-and-set `cell`; continue at `next` when acquired, else spin at the same pc. */
export function lockStep(x: SmExec, cell: Cell, next: number): void {
  x.cost = x.costs.atomic;
  if (x.tas(cell) === 0) x.pc = next;
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
