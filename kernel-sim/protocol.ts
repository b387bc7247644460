/**
 * The kernel half of the dispatch protocol (Barrelfish; DESIGN 3). Every rule is here,
 * and here only; the rest of the kernel calls these functions.
 *
 * Kernel rules:
 *  R1. Treat as disabled <=> shared.disabled != 0 OR critLow <= pc < critHigh (the
 *      interrupted pc); a kernel thread always is. The PC half is dropped by the
 *      test-only option unsafeNoCritCheck.
 *  R2. Interrupt, for every cause (a tick, a notice, a daemon, a revocation, an injected
 *      event, a pause-loop exit): the state goes to disabledArea if R1 holds, else to
 *      enabledArea; the choice goes to the kernel copy; then a scheduling decision
 *      (takeInterrupt is the one entry).
 *  R3. dispatch(d): kernel copy disabled => restore disabledArea verbatim; else set
 *      disabled = 1 and upcall `run` on a fresh context. Every return to an enabled
 *      dispatcher other than a syscall return is an upcall.
 *  R4. Page fault enabled => enabledArea, disabled = 1, `pagefault` upcall (or, with
 *      kernel-managed residency, the thread blocks on the disk). Disabled => trapArea,
 *      faultsTaken++, `pagefaultDisabled` upcall; more than 2 faults taken while
 *      disabled => the dispatcher is removed. Any other exception goes to `trap` when
 *      enabled and is undeliverable when disabled. No scheduling decision.
 *  R5. sys_yield only while disabled (else CALLER_ENABLED); it clears the kernel copy so
 *      the next entry is an upcall; one block decision for sys_yield and vcpuIdle: block
 *      iff no haswork, no unseen notices and no due wakeup (arming the wakeup).
 *  R6. New dispatchers start disabled: the first dispatch resumes a prepared
 *      disabledArea.
 * The kernel copy of the resume bit (Dcb.kdisabled, "last saved while disabled") has
 * one writer, setKernelCopy(); dispatch() consults it, never the user-writable field.
 * The kernel runs with interrupts off: its work is atomic and charged to the CPU.
 */
import type { Context, Routine, UpcallEvent } from './abi';
import {
  kernelPath, P_AS_SWITCH, P_INTERRUPT_ENTRY, P_K_BLOCK, P_K_SCHEDULE, P_K_SWITCH, P_K_WAKEUP, P_PAGE_MAP, P_TRAP_ENTRY,
  P_TRAP_EXIT, P_UPCALL, P_UPCALL_NOTICE,
} from './costs';
import { MODE_GEN, MODE_IDLE } from './cpu';
import type { Cpu } from './cpu';
import type { Dcb, KProcess } from './dcb';
import { panic } from './errors';
import type { Kernel } from './kernel';
import { notify, peekSeen } from './notices';
import { entryCheck } from './copyin';
import { noteEntries } from './entries';
import { fieldFault } from './containment';
import type { LandCause, LandKind } from './observer';

/** The one writer of the kernel's copy of the resume bit. */
export function setKernelCopy(d: Dcb, disabled: boolean): void {
  d.kdisabled = disabled;
}

// --- R1 ------------------------------------------------------------------------------

/**
 * R1 on the user's fields as they are (they are checked by copy-in only at the next
 * entry): anything but 0 in `disabled` counts as disabled, and a range that is not two
 * numbers contains no pc, so garbage can only make the kernel more careful, never throw.
 */
export function treatAsDisabled(k: Kernel, d: Dcb, pc: number): boolean {
  const s = d.shared;
  if (s.disabled !== 0 || d.kthread) return true;
  const lo = s.critLow;
  const hi = s.critHigh;
  return !k.opts.unsafeNoCritCheck && typeof lo === 'number' && typeof hi === 'number' && lo <= pc && pc < hi;
}

// --- R2 ------------------------------------------------------------------------------

/** The interrupt lands at the CPU's next instruction boundary at t; it splits a compute. */
export function landInterrupt(k: Kernel, cpu: Cpu, t: number): void {
  if (cpu.computeFrom >= 0 && t < cpu.time && cpu.mode === MODE_GEN) {
    cpu.pendingOp = 1; // OP_COMPUTE: the remainder runs when the context is resumed
    cpu.pendingArg = cpu.time - t;
    k.computeNs -= cpu.time - t; // counted again when the remainder runs
    cpu.time = t;
    cpu.computeFrom = -1;
  }
}

/**
 * R2, the one interrupt entry: land at t, save the interrupted context where R1 says,
 * and charge the entry. The caller makes the scheduling decision.
 */
export function takeInterrupt(k: Kernel, cpu: Cpu, t: number, kind: LandKind, cause: LandCause): Context {
  landInterrupt(k, cpu, t);
  k.interrupts++;
  k.preemptions++;
  const ctx = saveInterrupted(k, cpu, kind, cause);
  cpu.charge(P_INTERRUPT_ENTRY);
  return ctx;
}

/** R1 + R2: save the interrupted context into the area the predicate selects. */
function saveInterrupted(k: Kernel, cpu: Cpu, kind: LandKind, cause: LandCause): Context {
  const d = k.currentDcb(cpu);
  const s = d.shared;
  const ctx = cpu.capture();
  const pc = k.contextPc(ctx);
  const disabled = treatAsDisabled(k, d, pc);
  if (k.observer !== null) k.observer.landed(cpu, kind, cause, pc, disabled, ctx.kind === 'gen' ? ctx.stack : null);
  if (disabled) {
    s.disabledArea = ctx;
  } else {
    // Detection layer 1: an enabled save must hold thread code, never the resume path.
    // The range is user-written and not yet copied in: garbage in it (a symbol throws in
    // a comparison) is no range at all, as in R1.
    const lo: unknown = s.critLow;
    const hi: unknown = s.critHigh;
    if (ctx.kind === 'sm' || (typeof lo === 'number' && typeof hi === 'number' && lo <= pc && pc < hi)) {
      k.violation(cpu, 1, `enabled-area save of dispatcher code at ${k.code.symbolize(pc)} (the resume bit was clear but the pc is in the critical range)`, pc);
    }
    s.enabledArea = ctx;
  }
  setKernelCopy(d, disabled);
  d.pendingUpcall = !disabled;
  k.trace.add(cpu.time, cpu.index, disabled ? 'irq-disabled' : 'irq-enabled', d.index, pc);
  return ctx;
}

/**
 * Interrupt vCPU d on cpu at t to hand it a notice (ev, or what already waits). Enabled:
 * its context comes back as `preempted` in the same upcall. Disabled: it is resumed
 * verbatim and retried once it may have re-enabled.
 */
export function preemptForNotice(k: Kernel, cpu: Cpu, t: number, d: Dcb, ev: UpcallEvent | null): void {
  const ctx = takeInterrupt(k, cpu, t, 'irq', 'notice');
  if (ev !== null) notify(d, ev);
  if (!d.kdisabled && d.activation !== null) notify(d, { kind: 'preempted', activation: d.activation.id, context: ctx, vcpu: d.vcpuId });
  const disabled = d.kdisabled;
  dispatch(k, cpu, d);
  // The retry counts from the resume, so the vCPU always runs for an IPI's time first
  // (else, when an interrupt's own cost exceeds an IPI's, every retry would land before
  // its next instruction: a storm).
  if (disabled) k.kick(d, cpu.time);
}

// --- R3 ------------------------------------------------------------------------------

/** R3. The CPU's previous context must already be saved or discarded. */
export function dispatch(k: Kernel, cpu: Cpu, d: Dcb | null): void {
  if (cpu.mode !== MODE_IDLE) panic('kernel.dispatch', `cpu${cpu.index} still holds a live context`);
  // Copy-in before the kernel reads the save area and entry points it restores from; a
  // refusal faults d's process and dispatches this CPU again (on another dispatcher).
  if (d !== null && !entryCheck(k, d, cpu)) return;
  const prev = k.dcbs[cpu.dcbIndex];
  if (prev !== undefined && prev !== d) {
    prev.busy += cpu.time - prev.onCpuSince;
    prev.onCpuSince = -1;
  }
  if (d === null) {
    cpu.dcbIndex = -1;
    cpu.shared = null;
    k.tickArmed[cpu.index] = false;
    k.tickGen[cpu.index] = (k.tickGen[cpu.index] as number) + 1;
    k.trace.add(cpu.time, cpu.index, 'idle', 0, 0);
    return;
  }
  if (prev !== d) {
    cpu.charge(kernelPath(P_K_SWITCH, d.proc.heavyweight));
    // An address-space switch only when the CPU changes address space (daemons run in the kernel's).
    if (d.space !== 0 && cpu.space !== d.space) {
      cpu.charge(P_AS_SWITCH);
      cpu.space = d.space;
    }
    k.kernelSwitches++;
    cpu.dcbIndex = d.index;
    cpu.shared = d.shared;
    cpu.countsProgress = !d.proc.daemon;
    cpu.spinRun = 0;
    d.onCpuSince = cpu.time;
  }
  if (d.pendingWakeups > 0) {
    cpu.charge(kernelPath(P_K_WAKEUP, d.proc.heavyweight), d.pendingWakeups); // a device's wake-up, done here
    d.pendingWakeups = 0;
  }
  const s = d.shared;
  d.systime = cpu.time;
  s.systime = cpu.time;
  d.started = true;
  if (d.kdisabled) {
    const ctx = s.disabledArea;
    if (ctx === null) panic('kernel.dispatch', `${d.name} is disabled but its disabledArea is empty`);
    cpu.charge(P_TRAP_EXIT);
    k.trace.add(cpu.time, cpu.index, 'resume-disabled', d.index, k.code.contextPc(ctx));
    if (k.observer !== null) k.observer.resumed(cpu, d);
    cpu.load(ctx);
  } else {
    upcallRun(k, cpu, d);
  }
  if (!k.tickArmed[cpu.index]) k.armTick(cpu);
}

/** R3's second half: set the resume bit and enter `run` on a fresh context, with the batch of notices queued. */
export function upcallRun(k: Kernel, cpu: Cpu, d: Dcb): void {
  const s = d.shared;
  const run = s.run;
  // Copy-in accepts null (no entry yet); an upcall needs one: the process's own fault.
  if (run === null) return k.faultProcess(d.proc, fieldFault(k, d, cpu, 'run', run, 'an upcall needs a run entry point'), cpu.time, cpu);
  if (k.observer !== null) k.observer.upcall(cpu, d, run.name);
  s.disabled = 1;
  d.pendingUpcall = false;
  cpu.charge(P_UPCALL);
  // Each notice is built once, charged at the first upcall that carries it.
  const fresh = d.delivered - d.noticesCharged;
  if (fresh > 0) cpu.charge(P_UPCALL_NOTICE, fresh);
  d.noticesCharged = d.delivered;
  k.upcalls++;
  k.trace.add(cpu.time, cpu.index, 'upcall-run', d.index, 0);
  cpu.enterRoutine(run, 0, s.udisp, undefined, undefined);
}

// --- R4 ------------------------------------------------------------------------------

/** The page an injected page fault is on: the code or stack page the instruction needed (never a touch() page). */
export const STACK_PAGE = -1;

/** A page fault on `page` at cpu's current instruction (a touch, or an injected fault). */
export function pageFault(k: Kernel, cpu: Cpu, page: number, cause: LandCause = 'access'): void {
  k.faults++;
  cpu.charge(P_TRAP_ENTRY);
  const d = k.currentDcb(cpu);
  if (!entryCheck(k, d, cpu)) return; // copy-in: its handlers and areas are checked first
  const p = d.proc;
  const disabledNow = treatAsDisabled(k, d, k.pcOf(cpu));
  if (k.observer !== null) k.observer.landed(cpu, 'pf', cause, k.pcOf(cpu), disabledNow, cpu.mode === MODE_GEN ? cpu.stack : null);
  if (d.kthread) {
    // A kernel thread's page fault is the kernel's: a disk read with a resident-set
    // limit (the thread blocks in place), else a demand-zero mapping.
    if (p.residency !== null) {
      p.residency.faults++;
      k.blockThread(cpu, d, { kind: 'pagein', page });
      return;
    }
    p.mapped.add(page);
    cpu.charge(P_PAGE_MAP);
    return;
  }
  if (p.residency !== null && cpu.mode === MODE_GEN && !disabledNow) {
    // Kernel paging: the fault is a disk read; the thread blocks on its activation.
    p.residency.faults++;
    if (p.acts !== null && k.blockThread(cpu, d, { kind: 'pagein', page })) return;
    cpu.capture();
    return k.removeDispatcher(cpu, d, `${p.name}: page fault on page ${page} with no activation left to block on`);
  }
  exception(k, cpu, 'pagefault', page);
}

/** A trap (an exception other than a page fault) at cpu's current instruction. */
export function trap(k: Kernel, cpu: Cpu, code: string, detail: unknown): void {
  k.faults++;
  cpu.charge(P_TRAP_ENTRY);
  if (!entryCheck(k, k.currentDcb(cpu), cpu)) return;
  exception(k, cpu, code, detail);
}

function exception(k: Kernel, cpu: Cpu, code: string, detail: unknown): void {
  const d = k.currentDcb(cpu);
  const s = d.shared;
  const ctx = cpu.capture();
  const pc = k.contextPc(ctx);
  const disabled = treatAsDisabled(k, d, pc);
  setKernelCopy(d, disabled);
  const isPf = code === 'pagefault';
  k.trace.add(cpu.time, cpu.index, isPf ? 'pagefault' : 'trap', d.index, disabled ? 1 : 0);
  if (isPf && !disabled) {
    s.enabledArea = ctx;
    return upcallHandler(k, cpu, d, 'pagefault', s.pagefault, detail);
  }
  s.trapArea = ctx;
  if (disabled) {
    d.faultsTaken++;
    if (d.faultsTaken > 2) {
      d.faultsTaken = 0;
      return k.removeDispatcher(cpu, d, `${d.name}: more than 2 faults taken while disabled`);
    }
    if (!isPf) return k.removeDispatcher(cpu, d, `${d.name}: trap '${code}' while disabled is undeliverable`);
    return upcallHandler(k, cpu, d, 'pagefaultDisabled', s.pagefaultDisabled, detail);
  }
  return upcallHandler(k, cpu, d, 'trap', s.trap, { code, detail });
}

/** Enter the handler at entry point `entry` (named in the report when the process left it null). */
function upcallHandler(k: Kernel, cpu: Cpu, d: Dcb, entry: string, h: Routine | null, arg: unknown): void {
  if (h === null) return k.removeDispatcher(cpu, d, `${d.name}: no handler registered: its ${entry} entry point is null`);
  if (k.observer !== null) k.observer.upcall(cpu, d, h.name);
  d.shared.disabled = 1;
  cpu.charge(P_UPCALL);
  k.upcalls++;
  cpu.enterRoutine(h, 0, arg, d.shared.udisp, undefined);
}

/** A process ends (exited or faulted): every dispatcher of it is removed. */
export function endProcess(k: Kernel, p: KProcess, end: KProcess['end']): void {
  p.end = end;
  for (const x of p.dcbs) k.unqueue(x, 'removed');
}

// --- R5 ------------------------------------------------------------------------------

/**
 * The one block decision of sys_yield and vcpuIdle: block the dispatcher when it has no
 * work, no unseen notice and no due wakeup (arming the wakeup), else give up the rest
 * of the slice.
 */
export function blockOrRotate(k: Kernel, cpu: Cpu, d: Dcb, traceKind: string): void {
  const s = d.shared;
  const now = cpu.time;
  const noWork = s.haswork === 0 && d.delivered === peekSeen(d) && (s.wakeup === 0 || s.wakeup > now);
  if (noWork) {
    cpu.charge(kernelPath(P_K_BLOCK, d.proc.heavyweight));
    k.unqueue(d, 'blocked');
    d.wakeupGen++;
    d.wakeupArmed = s.wakeup !== 0;
    if (s.wakeup !== 0) k.post(s.wakeup, { kind: 'wakeup', dcb: d.index, gen: d.wakeupGen });
    k.trace.add(now, cpu.index, traceKind, d.index, s.wakeup);
    dispatch(k, cpu, k.schedule(cpu, false));
  } else {
    dispatch(k, cpu, k.schedule(cpu, true));
  }
}

/** sys_yield of an upcalled dispatcher. Returns false (the caller stays running) when it is enabled. */
export function sysYield(k: Kernel, cpu: Cpu, d: Dcb): boolean {
  if (!treatAsDisabled(k, d, k.pcOf(cpu))) return false;
  setKernelCopy(d, false); // the next entry is an upcall
  discard(cpu);
  const now = cpu.time;
  if (d.state === 'removed') {
    dispatch(k, cpu, k.schedule(cpu, false));
    return true;
  }
  if (d.revokePending) {
    // A safe point: the dispatcher saved what it needed; the processor goes away now.
    k.finishRevoke(d, null, now);
    k.reallocate(now);
    dispatch(k, cpu, k.schedule(cpu, false));
    return true;
  }
  blockOrRotate(k, cpu, d, 'dcb-block');
  return true;
}

/**
 * vcpuIdle: like sys_yield (legal only while disabled), but when another process wants
 * more processors than it has, this one is given away (revoked) instead of blocking.
 */
export function vcpuIdle(k: Kernel, cpu: Cpu, d: Dcb): boolean {
  const p = d.proc;
  const assignedOf = (q: KProcess): number => q.dcbs.filter((x) => x.assigned && x.state !== 'removed').length;
  const needy = k.procs.some((q) => q !== p && q.started && q.end.kind === 'running' && q.demand > assignedOf(q));
  if (!needy || p.acts === null) return sysYield(k, cpu, d);
  if (!treatAsDisabled(k, d, k.pcOf(cpu))) return false;
  setKernelCopy(d, false);
  discard(cpu);
  p.demand = Math.max(1, assignedOf(p) - 1);
  cpu.charge(kernelPath(P_K_SCHEDULE, p.heavyweight)); // the allocator's decision
  k.reallocate(cpu.time, d);
  if (d.assigned) {
    // Still needed here (the process is at its minimum): the one block decision (R5),
    // which arms the vCPU's wakeup and never blocks over an unseen notice.
    blockOrRotate(k, cpu, d, 'dcb-block');
    return true;
  }
  dispatch(k, cpu, k.schedule(cpu, false));
  return true;
}

/** Drop the caller's live context (it saved what it needed before the call). */
export function discard(cpu: Cpu): void {
  if (cpu.mode !== MODE_IDLE) cpu.capture();
}

// --- R6 ------------------------------------------------------------------------------

/** R6: every dispatcher of ps starts disabled, on its prepared disabledArea. */
export function startDisabled(ps: readonly KProcess[]): void {
  for (const p of ps) {
    for (const d of p.dcbs) {
      if (d.shared.disabledArea === null) panic('kernel.start', `${d.name} has no initial disabledArea (R6)`);
      setKernelCopy(d, true);
      noteEntries(d);
    }
  }
}
