/**
 * Kernel-thread syscalls (1:1, N:1 and plain M:N mappings): create (runnable at once),
 * park/unpark (the futex-like block/wake pair of 1:1 threads), exit (waking the joiner
 * in the same call), and the kernel-thread form of sys_yield, which keeps the caller's
 * context and resumes it later instead of upcalling. Each charges its path's work
 * (kernelPath: the kernel-thread or the heavyweight-process value).
 *
 * Invariants:
 *  1. A kernel thread is resumed verbatim from its disabled area, never upcalled.
 *  2. Park releases the caller's spinlock word inside the kernel, atomically with the
 *     decision to block; an unpark that finds the thread not parked leaves a permit,
 *     so a wake between the release and the park is never lost.
 *  3. Unpark, create and exit's wake act only on kernel threads of the caller's own process.
 *  4. What the real kernel does in one call is one call: create-and-make-runnable,
 *     exit-and-wake-joiner.
 */
import type { Cell, Context, SyscallResult } from './abi';
import { kernelPath, P_K_BLOCK, P_K_WAKEUP, P_KT_CREATE, P_KT_EXIT } from './costs';
import { blockOrRotate, setKernelCopy } from './protocol';
import type { Cpu } from './cpu';
import { MODE_IDLE } from './cpu';
import type { Dcb } from './dcb';
import type { Kernel } from './kernel';

const OK: SyscallResult = { kind: 'ok', value: undefined };

/** Save the calling kernel thread's context to resume after this syscall. */
function keep(cpu: Cpu, d: Dcb): void {
  if (cpu.mode !== MODE_IDLE) d.shared.disabledArea = cpu.capture();
  setKernelCopy(d, true);
}

/** sys_yield of a kernel thread: block (no work, no notice, no due wakeup) or give up the slice; resumed later. */
export function ktYield(k: Kernel, cpu: Cpu, d: Dcb): void {
  keep(cpu, d);
  blockOrRotate(k, cpu, d, 'kt-idle');
}

/** A new kernel thread of the caller's process, runnable at once; answers its index in the process. */
export function ktCreate(k: Kernel, cpu: Cpu, d: Dcb, udisp: unknown, first: Context): SyscallResult {
  const p = d.proc;
  cpu.charge(kernelPath(P_KT_CREATE, p.heavyweight));
  cpu.charge(kernelPath(P_K_WAKEUP, p.heavyweight)); // onto the ready queue, in the same call
  const nd = k.addKernelThread(p, udisp, first, cpu.index, cpu.time);
  k.trace.add(cpu.time, cpu.index, 'kt-create', nd.index, cpu.index);
  return { kind: 'ok', value: nd.vcpuId };
}

/** Park the caller after releasing `spin`; a pending permit returns at once. Returns true when it parked. */
export function ktPark(k: Kernel, cpu: Cpu, d: Dcb, spin: Cell | null): boolean {
  if (spin !== null) spin.value = 0;
  if (d.permit) {
    d.permit = false;
    return false;
  }
  keep(cpu, d);
  cpu.charge(kernelPath(P_K_BLOCK, d.proc.heavyweight));
  d.parked = true;
  k.unqueue(d, 'blocked');
  k.trace.add(cpu.time, cpu.index, 'kt-park', d.index, 0);
  k.dispatch(cpu, k.schedule(cpu, false));
  return true;
}

/** Wake kernel thread `local` of the caller's process (charged as a wakeup), or leave it a permit. */
export function ktUnpark(k: Kernel, cpu: Cpu, d: Dcb, local: number): SyscallResult {
  const t = d.proc.dcbs[local];
  if (t === undefined || !t.kthread) return { kind: 'error', code: 'NO_SUCH_THREAD' };
  if (t.state === 'blocked' && t.parked) {
    cpu.charge(kernelPath(P_K_WAKEUP, d.proc.heavyweight));
    t.parked = false;
    k.makeRunnable(t, cpu.time, true);
  } else if (t.state !== 'removed') {
    t.permit = true;
  }
  return OK;
}

/** End the calling kernel thread; wake kernel thread `joiner` (>= 0) in the same call. */
export function ktExit(k: Kernel, cpu: Cpu, d: Dcb, joiner: number): void {
  cpu.charge(kernelPath(P_KT_EXIT, d.proc.heavyweight));
  if (joiner >= 0) ktUnpark(k, cpu, d, joiner);
  k.unqueue(d, 'removed');
  if (cpu.mode !== MODE_IDLE) cpu.capture();
  retire(d);
  k.trace.add(cpu.time, cpu.index, 'kt-exit', d.index, 0);
  k.dispatch(cpu, k.schedule(cpu, false));
}

/**
 * A removed kernel thread keeps its Dcb (CPUs and reports name dispatchers by index) but
 * nothing it ran: its saved contexts would hold the thread's stack, and through it the
 * thread, for the rest of the run (1.5 KB per thread a 1:1 process ever made).
 */
export function retire(d: Dcb): void {
  const s = d.shared;
  s.enabledArea = null;
  s.disabledArea = null;
  s.trapArea = null;
  s.udisp = null;
  d.queue.length = 0;
}
