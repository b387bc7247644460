/**
 * Faults and traps (rule R4 of DESIGN 3). A page fault taken enabled saves into the
 * enabled area and upcalls `pagefault` (or, with kernel-managed residency, blocks the
 * thread on a disk read); taken disabled it saves into the trap area, counts against
 * `faultsTaken` and upcalls `pagefaultDisabled`; more than two faults while disabled
 * make the dispatcher unrunnable. Any other trap is delivered to `trap` when enabled and
 * is undeliverable when disabled.
 *
 * Invariants:
 *  1. A fault never makes a scheduling decision: the faulting dispatcher keeps its CPU
 *     (unless it blocks on the disk or is removed).
 *  2. The observer sees every page fault before the kernel handles it.
 */
import type { Routine } from './abi';
import { blockKernelThread, blockOnDisk } from './blocking';
import { P_PAGE_MAP, P_TRAP_ENTRY, P_UPCALL } from './costs';
import type { Cpu } from './cpu';
import { MODE_GEN } from './cpu';
import type { Dcb } from './dcb';
import type { Kernel } from './kernel';
import type { LandCause } from './observer';

/** The page an injected page fault is on: the code or stack page the instruction needed (never a touch() page). */
export const STACK_PAGE = -1;

/** A page fault on `page` at cpu's current instruction (a touch, or an injected fault). */
export function pageFault(k: Kernel, cpu: Cpu, page: number, cause: LandCause = 'access'): void {
  k.faults++;
  cpu.charge(P_TRAP_ENTRY);
  const d = k.currentDcb(cpu);
  const p = d.proc;
  if (k.observer !== null) {
    k.observer.landed(cpu, 'pf', cause, k.pcOf(cpu), k.treatAsDisabled(d.shared, k.pcOf(cpu)), cpu.mode === MODE_GEN ? cpu.stack : null);
  }
  if (d.shared.kthread) {
    // A kernel thread's page fault is the kernel's: a disk read with a resident-set
    // limit (the thread blocks in place), else a demand-zero mapping.
    if (p.residency !== null) {
      p.residency.faults++;
      blockKernelThread(k, cpu, d, { kind: 'pagein', page });
      return;
    }
    p.mapped.add(page);
    cpu.charge(P_PAGE_MAP);
    return;
  }
  if (p.residency !== null && cpu.mode === MODE_GEN && !k.treatAsDisabled(d.shared, k.pcOf(cpu))) {
    // Kernel paging: the fault is a disk read; the thread blocks on its activation.
    p.residency.faults++;
    if (p.acts !== null && blockOnDisk(k, cpu, d, { kind: 'pagein', page })) return;
    cpu.capture();
    d.proc.end = { kind: 'fault', time: cpu.time, message: `${p.name}: page fault on page ${page} with no activation left to block on` };
    for (const x of p.dcbs) k.unqueue(x, 'removed');
    k.dispatch(cpu, k.schedule(cpu, false));
    return;
  }
  exception(k, cpu, 'pagefault', page);
}

export function trap(k: Kernel, cpu: Cpu, code: string, detail: unknown): void {
  k.faults++;
  cpu.charge(P_TRAP_ENTRY);
  exception(k, cpu, code, detail);
}

function exception(k: Kernel, cpu: Cpu, code: string, detail: unknown): void {
  const d = k.currentDcb(cpu);
  const s = d.shared;
  const ctx = cpu.capture();
  const pc = k.contextPc(ctx);
  const disabled = k.treatAsDisabled(s, pc);
  d.kdisabled = disabled;
  const isPf = code === 'pagefault';
  k.trace.add(cpu.time, cpu.index, isPf ? 'pagefault' : 'trap', d.index, disabled ? 1 : 0);
  if (isPf && !disabled) {
    s.enabledArea = ctx;
    return upcallHandler(k, cpu, d, s.pagefault, detail);
  }
  s.trapArea = ctx;
  if (disabled) {
    d.faultsTaken++;
    if (d.faultsTaken > 2) {
      d.faultsTaken = 0;
      return k.removeDispatcher(cpu, d, `${s.name}: more than 2 faults taken while disabled`);
    }
    if (!isPf) return k.removeDispatcher(cpu, d, `${s.name}: trap '${code}' while disabled is undeliverable`);
    return upcallHandler(k, cpu, d, s.pagefaultDisabled, detail);
  }
  return upcallHandler(k, cpu, d, s.trap, { code, detail });
}

function upcallHandler(k: Kernel, cpu: Cpu, d: Dcb, h: Routine | null, arg: unknown): void {
  if (h === null) return k.removeDispatcher(cpu, d, `${d.shared.name}: no handler registered`);
  if (k.observer !== null) k.observer.upcall(cpu, d, h.name);
  d.shared.disabled = 1;
  cpu.charge(P_UPCALL);
  k.upcalls++;
  cpu.enterRoutine(h, 0, arg, d.shared.udisp, undefined);
}
