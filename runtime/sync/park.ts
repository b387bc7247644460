/**
 * The block half every sync primitive is built on, and the helpers their frames share.
 * (The wake half and the spinlock acquire are sub-machines of every library frame:
 * runtime/libframe.ts `wake` and `spin`.)
 *
 * blockOp(spin, reason): the caller is disabled and holds the primitive's spinlock
 * `spin`, with itself already recorded on the primitive's wait queue. One TRAP enters
 * the mapping's `block` routine, which saves the caller into its TCB, then releases
 * `spin` (under 1:1, inside the kernel's park), then switches; the caller returns from
 * it enabled, with the waker's value in its TCB (`wakeValue`).
 *
 * Invariants:
 *  1. No lost wake-up: t's context is in its TCB before `spin` is released, and a
 *     waker needs `spin` to find t.
 *  2. Lock order: primitive spinlock(s) before the sched lock; never the reverse.
 */
import { RUNNING } from '../../kernel-sim/abi';
import type { Cell, CpuView } from '../../kernel-sim/abi';
import { here, trapOp } from '../instr';
import type { BlockReason, Tcb } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';

/**
 * Block the calling thread (disabled, holding `spin`): the one TRAP into the mapping's
 * block routine, yielded by the primitive's own frame (`yield blockOp(...)`, no helper
 * generator: a frame per blocked thread is memory held while it waits). The thread
 * returns from it enabled, with the waker's value in its TCB (`wakeValue`).
 */
export function blockOp(spin: Cell, reason: BlockReason): number {
  return trapOp(vcpuOf(here('block')).uls.r.block, spin, reason);
}

/** Is the calling thread's process 1:1 (its spinners yield their kernel thread: libframe.ts spin)? */
export function oneToOneHere(): boolean {
  const cpu = RUNNING.cpu;
  return cpu !== null && vcpuOf(cpu).uls.mapping === '1:1';
}

/** A kernel thread yielding with work left: the kernel rotates it instead of blocking it. */
export function keepWork(cpu: CpuView): void {
  cpu.disp.haswork = 1;
}

/** The calling thread (one instruction). */
export function selfLib(cpu: CpuView): Tcb {
  return vcpuOf(cpu).current as Tcb;
}

/** Default label for a sync object: `kind#n` (per process) inside a thread, else `kind`. */
export function labelFor(kind: string, name: string | undefined): string {
  if (name !== undefined) return name;
  const cpu = RUNNING.cpu;
  if (cpu === null) return kind;
  const uls: Uls = vcpuOf(cpu).uls;
  return `${kind}#${uls.nextObjectId++}`;
}
