/**
 * Kernel-thread syscalls (1:1, N:1 and plain M:N mappings): create, park/unpark (the
 * futex-like block/wake pair of 1:1 threads), exit, and the kernel-thread form of
 * sys_yield, which keeps the caller's context and resumes it later instead of
 * upcalling.
 *
 * Invariants:
 *  1. A kernel thread is resumed verbatim from its disabled area, never upcalled.
 *  2. Park releases the caller's spinlock word inside the kernel, atomically with the
 *     decision to block; an unpark that finds the thread not parked leaves a permit,
 *     so a wake between the release and the park is never lost.
 *  3. Unpark and create act only on kernel threads of the caller's own process.
 */
import type { Cell, Context, SyscallResult } from './abi';
import type { Cpu } from './cpu';
import { MODE_IDLE } from './cpu';
import type { Dcb } from './dcb';
import type { Kernel } from './kernel';

const OK: SyscallResult = { kind: 'ok', value: undefined };

/** Save the calling kernel thread's context to resume after this syscall. */
function keep(cpu: Cpu, d: Dcb): void {
  if (cpu.mode !== MODE_IDLE) d.shared.disabledArea = cpu.capture();
  d.kdisabled = true;
}

/** sys_yield of a kernel thread: block (no work, no notice, no due wakeup) or give up the slice; resumed later. */
export function ktYield(k: Kernel, cpu: Cpu, d: Dcb): void {
  keep(cpu, d);
  blockOrRotate(k, cpu, d, 'kt-idle');
}

/**
 * The end of every sys_yield (R5): block the dispatcher when it has no work, no unseen
 * notice and no due wakeup (arming the wakeup), else give up the rest of the slice.
 */
export function blockOrRotate(k: Kernel, cpu: Cpu, d: Dcb, traceKind: string): void {
  const s = d.shared;
  const now = cpu.time;
  const noWork = s.haswork === 0 && s.delivered === s.seen && (s.wakeup === 0 || s.wakeup > now);
  if (noWork) {
    k.unqueue(d, 'blocked');
    d.wakeupGen++;
    d.wakeupArmed = s.wakeup !== 0;
    if (s.wakeup !== 0) k.post(s.wakeup, { kind: 'wakeup', dcb: d.index, gen: d.wakeupGen });
    k.trace.add(now, cpu.index, traceKind, d.index, s.wakeup);
    k.dispatch(cpu, k.schedule(cpu, false));
  } else {
    k.dispatch(cpu, k.schedule(cpu, true));
  }
}

/** A new parked kernel thread on the least-loaded CPU of the process; answers its index in the process. */
export function ktCreate(k: Kernel, cpu: Cpu, d: Dcb, udisp: unknown, first: Context): SyscallResult {
  const p = d.proc;
  const load = new Map<number, number>();
  for (const c of p.cpus) load.set(c, 0);
  for (const x of p.dcbs) if (x.state !== 'removed') load.set(x.cpu, (load.get(x.cpu) ?? 0) + 1);
  let best = p.cpus[0] ?? d.cpu;
  for (const c of p.cpus) if ((load.get(c) ?? 0) < (load.get(best) ?? 0)) best = c;
  const nd = k.addKernelThread(p, udisp, first, best);
  cpu.time += k.costs.kernelThreadCreate + (p.heavyweight ? k.costs.processCreate : 0);
  k.trace.add(cpu.time, cpu.index, 'kt-create', nd.index, best);
  return { kind: 'ok', value: nd.shared.vcpu };
}

/** Park the caller after releasing `spin`; a pending permit returns at once. Returns true when it parked. */
export function ktPark(k: Kernel, cpu: Cpu, d: Dcb, spin: Cell | null): boolean {
  if (spin !== null) spin.value = 0;
  if (d.permit) {
    d.permit = false;
    return false;
  }
  keep(cpu, d);
  d.parked = true;
  k.unqueue(d, 'blocked');
  k.trace.add(cpu.time, cpu.index, 'kt-park', d.index, 0);
  k.dispatch(cpu, k.schedule(cpu, false));
  return true;
}

export function ktUnpark(k: Kernel, cpu: Cpu, d: Dcb, local: number): SyscallResult {
  const t = d.proc.dcbs[local];
  if (t === undefined || !t.shared.kthread) return { kind: 'error', code: 'NO_SUCH_THREAD' };
  if (t.state === 'blocked' && t.parked) {
    t.parked = false;
    k.makeRunnable(t, cpu.time, t.cpu !== cpu.index);
  } else if (t.state !== 'removed') {
    t.permit = true;
  }
  return OK;
}

export function ktExit(k: Kernel, cpu: Cpu, d: Dcb): void {
  k.unqueue(d, 'removed');
  if (cpu.mode !== MODE_IDLE) cpu.capture();
  k.trace.add(cpu.time, cpu.index, 'kt-exit', d.index, 0);
  k.dispatch(cpu, k.schedule(cpu, false));
}
