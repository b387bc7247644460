/**
 * The one block/wake pair every sync primitive is built on.
 *
 * blockOn(spin, reason): the caller is disabled and holds the primitive's spinlock
 * `spin`, with itself already recorded on the primitive's wait queue. One TRAP enters
 * the mapping's `block` routine, which saves the caller into its TCB, then releases
 * `spin` (under 1:1, inside the kernel's park), then switches; the caller returns from
 * blockOn enabled, with the waker's value.
 *
 * wakeDisabled(t, value): the caller is disabled (normally holding the primitive's
 * spinlock) and has taken t off the wait queue. Makes t ready under the sched lock
 * and notifies an idle vCPU if one was claimed. With activations it first counts t
 * busy again (one instruction): the count tells the scheduler when to ask for a vCPU.
 *
 * Invariants:
 *  1. No lost wake-up: t's context is in its TCB before `spin` is released, and a
 *     waker needs `spin` to find t.
 *  2. Lock order: primitive spinlock(s) before the sched lock; never the reverse.
 */
import { RUNNING, SYS_YIELD } from '../../kernel-sim/abi';
import type { Cell, CpuView } from '../../kernel-sim/abi';
import { here, lib, notifyOp, store, syscallOp, tas, trapOp, waiting } from '../instr';
import type { BlockReason, Tcb } from '../tcb';
import { SPIN_THEN_YIELD } from '../dispatcher';
import { makeReadyLocked } from '../ready';
import { busyLib, vcpuOf } from '../uls';
import type { Uls } from '../uls';

/**
 * Block the calling thread (disabled, holding `spin`): the one TRAP into the mapping's
 * block routine, yielded by the primitive's own frame (`yield blockOp(...)`, no helper
 * generator: a frame per blocked thread is memory held while it waits). The thread
 * returns from it enabled; `woken()` is then the waker's value.
 */
export function blockOp(spin: Cell, reason: BlockReason): number {
  return trapOp(vcpuOf(here('block')).uls.r.block, spin, reason);
}

/** The value the waker handed over (read after the blockOp TRAP returns). */
export function woken(): unknown {
  return (vcpuOf(here('block')).current as Tcb).wakeValue;
}

/** Make t ready with `value` as its wake value (caller disabled). */
export function* wakeDisabled(t: Tcb, value: unknown): Generator<number, void, unknown> {
  const uls = vcpuOf(here('wake')).uls;
  const lock = uls.sched;
  yield* spinAcquire(lock);
  if (uls.marks) yield lib(busyLib, 1); // activations: one more busy thread (counted before the vCPU decision)
  const w = (yield lib(wakeLib, { t, value })) as number;
  yield store(lock, 0);
  if (w !== -1) yield notifyOp(uls.r.notify, w);
}

function wakeLib(cpu: CpuView, a: { t: Tcb; value: unknown }): number {
  a.t.wakeValue = a.value;
  return makeReadyLocked(vcpuOf(cpu), a.t, 'wake', cpu.now, true);
}

/**
 * Acquire a spinlock word by test-and-set (caller normally disabled). Under 1:1 every
 * thread is a kernel thread the kernel may preempt holding the word, so after
 * SPIN_THEN_YIELD failed attempts the spinner gives up its processor (sys_yield with
 * work left), letting a preempted holder run, as kernel-thread libraries do. The
 * user-level schedulers (N:1, M:N) spin on: FastThreads does, and on kernel threads
 * that is what the paper shows costing it.
 */
export function* spinAcquire(spin: Cell): Generator<number, void, unknown> {
  const yields = oneToOneHere();
  let n = 0;
  while ((yield tas(spin)) !== 0) {
    if (yields && ++n >= SPIN_THEN_YIELD) {
      n = 0;
      yield waiting(lib(keepWork, null)); // spinning with yields is still no progress
      yield waiting(syscallOp(SYS_YIELD));
    }
  }
}

function oneToOneHere(): boolean {
  const cpu = RUNNING.cpu;
  return cpu !== null && vcpuOf(cpu).uls.mapping === '1:1';
}

/** A kernel thread yielding with work left: the kernel rotates it instead of blocking it. */
function keepWork(cpu: CpuView): void {
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
