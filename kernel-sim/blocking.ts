/**
 * Blocking in the kernel: a read, a page-in, a fixed delay (a buffer-cache miss) or a
 * kernel semaphore wait. With scheduler activations the thread's context stays in the
 * kernel (held by its activation) and the vCPU continues on a fresh activation with a
 * `blocked` upcall; on completion the context returns in an `unblocked` event on a
 * vCPU of the process, preempting one when none is free (its context then comes back
 * as `preempted` in the same upcall). A kernel thread blocks in place.
 *
 * Invariants:
 *  1. `blocked(A)` is queued on the vCPU before any `unblocked(A)` can exist (the disk
 *     completes strictly later, in whatever order it serves its queue), and both go
 *     through the same per-vCPU FIFO, so an
 *     unblocked never overtakes its blocked.
 *  2. Every completion is delivered to exactly one vCPU, or counted as undelivered when
 *     the process has ended.
 *  3. After every call here the running activations equal the assigned vCPUs.
 */
import { OP_TOUCH } from './abi';
import type { Context, GenContext, SyscallResult, UpcallEvent } from './abi';
import { kernelPath, P_K_BLOCK, P_K_WAKEUP } from './costs';
import type { Cpu } from './cpu';
import { MODE_GEN, MODE_IDLE } from './cpu';
import type { Dcb, KernelWait, KProcess } from './dcb';
import { panic } from './errors';
import { notify } from './notices';
import { preemptForNotice, setKernelCopy } from './protocol';
import type { Kernel } from './kernel';

export type BlockWhat = KernelWait['what'];

/** Start what the wait waits for: a disk transfer, a timed delay, or a place in a kernel semaphore's queue. */
function submit(k: Kernel, cpu: Cpu, p: KProcess, w: KernelWait): void {
  cpu.charge(kernelPath(P_K_BLOCK, p.heavyweight));
  const what = w.what;
  switch (what.kind) {
    case 'read':
      k.diskSubmit(cpu.time, what.bytes, w.id, p.id);
      return;
    case 'pagein':
      k.diskSubmit(cpu.time, k.pageBytes, w.id, p.id);
      return;
    case 'delay':
      k.delays++;
      k.post(cpu.time + what.ns, { kind: 'delay', wait: w.id, proc: p.id });
      return;
    case 'ksem': {
      const sem = p.ksems[what.sem];
      if (sem === undefined) return panic('blocking', `no kernel semaphore #${what.sem} in ${p.name}`);
      sem.waiters.push(w.id);
      return;
    }
    default: {
      const never: never = what;
      panic('blocking', `unknown wait ${JSON.stringify(never)}`);
    }
  }
}

/**
 * The current thread of `d` (running on `cpu`, enabled) blocks in the kernel. Returns
 * false (the caller answers ERR_NO_ACTIVATION) when no fresh activation can be had.
 */
export function blockOnDisk(k: Kernel, cpu: Cpu, d: Dcb, what: BlockWhat): boolean {
  const p = d.proc;
  const pool = p.acts;
  const held = d.activation;
  if (pool === null || held === null) return panic('blockOnDisk', `${d.name} has no activations`);
  if (cpu.mode !== MODE_GEN) return panic('blockOnDisk', `${d.name}: only thread code may block in the kernel`);
  const fresh = pool.take(d.index, k.noticeSeen);
  if (fresh === null) return false;
  const ctx = cpu.captureGen();
  held.state = 'blocked';
  d.activation = fresh;
  k.publishActivation(d, fresh.id);
  const wait: KernelWait = { id: k.nextWaitId++, proc: p, activation: held, dcb: null, context: ctx, what };
  p.waits.set(wait.id, wait);
  submit(k, cpu, p, wait);
  k.trace.add(cpu.time, cpu.index, 'block', held.id, wait.id);
  notify(d, { kind: 'blocked', activation: held.id });
  held.noticeDcb = d.index;
  held.noticeSeq = d.delivered;
  // The kernel returns to the (enabled) dispatcher: an upcall on the fresh activation.
  setKernelCopy(d, false);
  k.upcallRun(cpu, d);
  k.checkActivations(p);
  return true;
}

/**
 * A kernel thread (no activations) blocks in place on the disk: its context stays with
 * it and its processor runs something else; the completion makes it runnable again and
 * dispatch resumes it verbatim with the answer.
 */
export function blockKernelThread(k: Kernel, cpu: Cpu, d: Dcb, what: BlockWhat): void {
  const p = d.proc;
  const ctx = cpu.capture();
  const wait: KernelWait = { id: k.nextWaitId++, proc: p, activation: null, dcb: d, context: ctx, what };
  p.waits.set(wait.id, wait);
  submit(k, cpu, p, wait);
  k.trace.add(cpu.time, cpu.index, 'kt-block', d.index, wait.id);
  k.unqueue(d, 'blocked');
  d.inKernelWait = true; // until completeWait (makeRunnable refuses it meanwhile)
  k.dispatch(cpu, k.schedule(cpu, false));
}

/**
 * What `waitId` waited for is done at time t: the disk finished, the delay ran out, or
 * a post gave it a semaphore unit. The wake-up is kernel work: charged to `by` (the
 * posting CPU), or, for a device, to the CPU that next dispatches the woken entity.
 */
export function completeWait(k: Kernel, t: number, procId: number, waitId: number, by: Cpu | null): void {
  const p = k.procs[procId];
  const w = p?.waits.get(waitId);
  if (p === undefined || w === undefined) return panic('completeWait', `no wait #${waitId} in process ${procId}`);
  p.waits.delete(waitId);
  let ctx: Context = w.context;
  let result: unknown;
  if (w.what.kind === 'pagein') {
    p.residency?.install(w.what.page); // the retried touch then hits (unless evicted again)
    result = undefined;
  } else {
    result = { kind: 'ok', value: w.what.kind === 'read' ? w.what.bytes : 0 } satisfies SyscallResult;
    ctx = withValue(w.context, result);
  }
  if (p.end.kind !== 'running') {
    p.undelivered++;
    return;
  }
  const wakeCost = (target: Dcb | null): void => {
    if (by !== null) by.charge(kernelPath(P_K_WAKEUP, p.heavyweight));
    else if (target !== null) target.pendingWakeups++;
  };
  if (w.dcb !== null) {
    // Kernel thread: resume it in place with the answer.
    w.dcb.inKernelWait = false;
    w.dcb.shared.disabledArea = ctx;
    setKernelCopy(w.dcb, true);
    wakeCost(w.dcb);
    k.makeRunnable(w.dcb, t, by !== null);
    return;
  }
  const act = w.activation;
  if (act === null) return panic('completeWait', `wait #${waitId} has neither an activation nor a kernel thread`);
  act.state = 'spent';
  const ev: UpcallEvent = { kind: 'unblocked', activation: act.id, context: ctx, result };
  // Never overtake the blocked notice: while it is undrained, queue behind it (FIFO).
  const holder = k.dcbs[act.noticeDcb];
  if (holder !== undefined && holder.state !== 'removed' && holder.assigned && !k.noticeSeen(act)) {
    notify(holder, ev);
    wakeCost(holder);
    act.noticeSeq = holder.delivered;
    if (holder.state === 'blocked') k.makeRunnable(holder, t, false);
    else k.kick(holder, t);
    k.checkActivations(p);
    return;
  }
  const target = deliverToProcess(k, t, p.dcbs, ev, (d) => wakeCost(d), by !== null);
  act.noticeDcb = target === null ? -1 : target.index;
  act.noticeSeq = target === null ? 0 : target.delivered;
  k.checkActivations(p);
}

/**
 * Deliver an event that needs a processor of the process: an idle vCPU if there is one
 * (woken), else a running one (preempted: an upcall carries the event and, when it was
 * enabled, its own context as `preempted`; from code on a CPU, after an IPI), else any
 * queued one.
 */
function deliverToProcess(k: Kernel, t: number, dcbs: readonly Dcb[], ev: UpcallEvent, charge: (d: Dcb | null) => void, fromCode: boolean): Dcb | null {
  const live = dcbs.filter((d) => d.state !== 'removed' && d.assigned && !d.revokePending);
  if (live.length === 0) {
    const p = dcbs[0]?.proc;
    if (p !== undefined) p.parkedNotices.push(ev); // handed over with the next vcpuAdded
    charge(null);
    return null;
  }
  const idle = live.find((d) => d.state === 'blocked');
  if (idle !== undefined) {
    notify(idle, ev);
    charge(idle);
    k.makeRunnable(idle, t, false);
    return idle;
  }
  const running = live.find((d) => isOnCpu(k, d));
  if (running !== undefined) {
    charge(running);
    if (fromCode) {
      // Raised by a syscall (a post): the vCPU is interrupted by an IPI, as by SYS_WAKE.
      notify(running, ev);
      k.kick(running, t);
      return running;
    }
    preemptForNotice(k, k.cpus[running.cpu] as Cpu, t, running, ev);
    return running;
  }
  const queued = live[0] as Dcb;
  notify(queued, ev);
  charge(queued);
  return queued;
}

function isOnCpu(k: Kernel, d: Dcb): boolean {
  const cpu = k.cpus[d.cpu];
  return cpu !== undefined && cpu.dcbIndex === d.index && cpu.mode !== MODE_IDLE;
}


/**
 * The calling thread blocks in the kernel on `what`: a kernel thread in place, an
 * activation's thread with a `blocked` upcall. False when it cannot (dispatcher code,
 * or no activation left).
 */
export function blockThread(k: Kernel, cpu: Cpu, d: Dcb, what: BlockWhat): boolean {
  if (cpu.mode !== MODE_GEN) return false;
  if (d.kthread) {
    blockKernelThread(k, cpu, d, what);
    return true;
  }
  return d.proc.acts !== null && blockOnDisk(k, cpu, d, what);
}

/** The context with the answer of its pending syscall (a new record; the old is spent). */
function withValue(c: Context, value: unknown): Context {
  if (c.kind !== 'gen') return c;
  const g: GenContext = { ...c, value, used: false };
  c.used = true;
  return g;
}

/** A page-in context retries its touch: keep pendingOp = TOUCH. */
export function isTouchRetry(c: Context): boolean {
  return c.kind === 'gen' && c.pendingOp === OP_TOUCH;
}

