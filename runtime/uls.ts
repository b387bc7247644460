/**
 * The user-level scheduler's state: one Uls per process (threads, run-queue policy,
 * sched lock) and one Vcpu per dispatcher (the `udisp` the kernel passes to upcalls).
 *
 * Invariants:
 *  1. The sched lock (a simulated test-and-set word) guards the policy, every thread's
 *     ready/exited transition, joiner links and the `idle` flags: vCPUs of the same
 *     process interleave on it instruction by instruction.
 *  2. `current` of a Vcpu is read and written only by that vCPU (disabled code).
 *  3. An idle vCPU is woken at most once per claim: makeReadyLocked() clears `idle`
 *     when it picks a vCPU to wake, and the caller sends SYS_WAKE after unlocking.
 *  4. Sleeping threads sit on one process-wide timer list (sched lock held): any vCPU
 *     fires due timers at its scheduling points, and an idle vCPU arms its kernel
 *     wakeup for the earliest, so a timer never waits for one particular vCPU.
 */
import { Cell, initialContext, REQUEST_VCPU, Stack } from '../kernel-sim/abi';
import type { Context, CpuView, DispatcherShared, Frame, Routine } from '../kernel-sim/abi';
import { panic } from './errors';
import type { EnqueueWhy, RunPolicy } from './policy/policy';
import { Tcb } from './tcb';

export type ThreadBody = (...args: never[]) => Frame;


export class Vcpu {
  current: Tcb | null = null;
  idle = false;
  /** The user's view: the allocator gave this vCPU a processor (vcpuAdded, vcpuRevoked). */
  assigned = false;
  /** Run upcalls delivered to this vCPU. */
  runUpcalls = 0;
  /** Spent activations to hand back to the kernel in one SYS_RECYCLE. */
  readonly recycle: number[] = [];
  /** Recover mode: threads set aside while another was recovered, to requeue under the lock. */
  readonly deferred: Tcb[] = [];
  /** Recover mode: threads whose `blocked` notice is still queued, set aside before a recovery took `current`. */
  readonly blockedPending: Tcb[] = [];
  /** Recover mode: threads caught inside a critical section, waiting for this vCPU to continue them. */
  readonly caught: Tcb[] = [];
  /** Recover mode: sleepers and exits whose routine gave up the sched lock to recover a thread (finished under the lock). */
  readonly sleepers: Tcb[] = [];
  readonly exits: { readonly t: Tcb; readonly value: unknown }[] = [];
  /** Recover mode: `delivered` when the notices were last looked at by a spinning routine. */
  noticeMark = 0;
  /** 1:1: failed attempts in a row at the sched lock (a kernel thread yields after SPIN_THEN_YIELD). */
  spins = 0;

  constructor(readonly index: number, readonly shared: DispatcherShared, readonly uls: Uls) {}
}

/**
 * How green threads map onto kernel entities:
 *  - 'activations': M:N over vCPUs with upcalls (scheduler activations);
 *  - 'kernel-threads': the ULS on kernel threads that are never upcalled (plain M:N, N:1);
 *  - '1:1': every green thread is a kernel thread; thread operations are kernel calls.
 */
export type MappingKind = 'activations' | 'kernel-threads' | '1:1';

/**
 * How critical sections of the user-level scheduler survive preemption:
 *  - 'prevent': they run disabled; the kernel never upcalls inside one (the resume bit);
 *  - 'recover': they run enabled; an upcall that finds a preempted or unblocked thread
 *    inside one continues it by a user-level switch until it leaves, then goes on;
 *  - 'unsafeNone' (tests only): neither, to show what the other two prevent.
 */
export type CriticalSections = 'prevent' | 'recover' | 'unsafeNone';

/** The dispatcher paths a mapping uses for the thread operations. */
export interface RoutineSet {
  readonly yield: Routine;
  readonly block: Routine;
  readonly sleep: Routine;
  readonly exit: Routine;
  /** Syscall that makes a thread made ready run: SYS_WAKE (a vCPU) or SYS_KT_UNPARK (its kernel thread). */
  readonly notify: number;
  /** Recover mode: entered when a recovered thread leaves its last critical section. */
  readonly recoverDone: Routine;
}

export class Uls {
  readonly threads: Tcb[] = [];
  readonly vcpus: Vcpu[] = [];
  readonly sched = new Cell(0, 'sched');
  live = 0;
  mainStarted = false;
  /** Sleeping threads of the process, sorted by `until` (sched lock held). */
  readonly timers: Tcb[] = [];
  /** How critical sections survive preemption (see CriticalSections). */
  cs: CriticalSections = 'prevent';
  /** Fair scheduling: a SpinLock waiter yields after this many failed attempts (Infinity: never). */
  spinYield = Infinity;
  /** Threads continued by recovery. */
  recoveries = 0;
  /** vCPUs asked for with requestVcpus and not yet added (each vcpuAdded settles one). */
  outstanding = 0;
  /** Threads blocked in the kernel, by the activation that holds them. */
  readonly inKernel = new Map<number, Tcb>();
  /** Counter for default names of sync objects created inside threads. */
  nextObjectId = 1;
  /** Thread switches performed by resume. */
  switches = 0;
  /**
   * The activations runtime's own bookkeeping (Anderson et al.: what its +3/+5 us pay
   * for). `marks`: it marks its critical sections (csEnter/csLeave), so an upcall can
   * tell a thread was inside one. `busy`: the threads running or ready, a word updated
   * under the sched lock by one instruction at every change, so the scheduler knows when
   * runnable threads outnumber its processors (requestVcpus). Kernel-thread mappings
   * do neither.
   */
  readonly marks: boolean;
  busy = 0;
  private nextId = 1;

  constructor(
    readonly process: number,
    readonly name: string,
    readonly policy: RunPolicy,
    readonly main: () => Frame,
    readonly mapping: MappingKind,
    /** The mapping's dispatcher paths (its exit is the thread-entry trampoline's return). */
    readonly r: RoutineSet,
  ) {
    this.marks = mapping === 'activations';
  }

  /** Allocate a TCB, its stack and its first context; the thread is not yet runnable. */
  createThread(name: string | undefined, root: Frame, now: number): Tcb {
    const id = this.nextId++;
    const t = new Tcb(id, name ?? `t${id}`, this.process, now);
    t.stack = new Stack(root, id, this.r.exit, t.label);
    t.saved = initialContext(t.stack);
    this.threads.push(t);
    this.live++;
    return t;
  }
}

/** Udisp of the vCPU a library frame runs on. */
export function vcpuOf(cpu: CpuView): Vcpu {
  return cpu.disp.udisp as Vcpu;
}

/** The busy-count instruction of the activations runtime (sched lock held): one more or one fewer busy thread. */
export function busyLib(cpu: CpuView, delta: number): void {
  vcpuOf(cpu).uls.busy += delta;
}

/**
 * Make t ready (sched lock held). Returns the index of an idle vCPU claimed for a
 * wake notice, REQUEST_VCPU when the process should ask the kernel for another
 * processor (requestVcpus), or -1. Under 1:1, the thread's own kernel thread to unpark.
 */
export function makeReadyLocked(v: Vcpu, t: Tcb, why: EnqueueWhy, now: number, claim: boolean): number {
  const uls = v.uls;
  t.transition('ready', now);
  t.reason = null;
  t.admitted = true;
  if (uls.mapping === '1:1') return t.kt; // its own kernel thread: unpark it
  uls.policy.enqueue(t, v.index, why);
  if (!claim) return -1;
  for (const w of uls.vcpus) {
    if (w.idle && (w.assigned || uls.mapping !== 'activations')) {
      w.idle = false;
      return w.index;
    }
  }
  // Busy threads (the count the runtime keeps) outnumber the processors it has and has
  // asked for: ask for one more, never beyond the process's vCPUs.
  if (uls.mapping === 'activations') {
    let assigned = 0;
    for (const w of uls.vcpus) if (w.assigned) assigned++;
    if (uls.busy > assigned + uls.outstanding && assigned + uls.outstanding < uls.vcpus.length) {
      uls.outstanding++;
      return REQUEST_VCPU;
    }
  }
  return -1;
}

/**
 * Store a context into t's TCB slot (detection layer 2): the context must be t's own,
 * and it must not overwrite a continuation of t that was never resumed (that would
 * lose the thread) unless the new context still holds it in a register.
 */
export function storeContext(cpu: CpuView, t: Tcb, ctx: Context | null): void {
  if (ctx === null) panic('storeContext', `${t.label}: nothing to store`);
  if (ctx.kind === 'sm') {
    cpu.report(2, `TCB of ${t.label} receives a foreign context: dispatcher code at ${cpu.symbolize(cpu.contextPc(ctx))}`);
  } else if (ctx.stack !== t.stack) {
    cpu.report(2, `TCB of ${t.label} receives a context of another stack (${ctx.stack.label})`);
  }
  const old = t.saved;
  if (old !== null && old !== ctx && old.kind === 'gen' && !old.used && !holds(ctx, old)) {
    cpu.report(2, `TCB of ${t.label}: unresumed continuation #${old.id} overwritten by #${ctx.id}; the thread is lost`);
  }
  t.saved = ctx;
}

function holds(ctx: Context, old: Context): boolean {
  return ctx.kind === 'sm' && (ctx.r0 === old || ctx.r1 === old || ctx.r2 === old || ctx.r3 === old);
}

/**
 * Requeue the threads recovery set aside, and finish the sleeps and exits it interrupted
 * (sched lock held). Caught threads still waiting for recovery are requeued too: holding
 * the sched lock proves none of them holds it, so ordinary scheduling finishes their
 * critical sections (a recovery that ended by blocking never returns to the upcall).
 * Returns the busy-count updates it made (the caller charges one instruction each).
 */
export function requeueDeferredLocked(x: CpuView, v: Vcpu): number {
  let counted = 0;
  while (v.deferred.length > 0) {
    const t = v.deferred.shift() as Tcb;
    makeReadyLocked(v, t, 'preempt', x.now, false);
  }
  while (v.caught.length > 0) {
    const t = v.caught.shift() as Tcb;
    t.recovering = false;
    makeReadyLocked(v, t, 'preempt', x.now, false);
  }
  while (v.sleepers.length > 0) {
    addTimerLocked(v, v.sleepers.shift() as Tcb);
    counted += countBusy(v.uls, -1);
  }
  while (v.exits.length > 0) {
    const e = v.exits.shift() as { t: Tcb; value: unknown };
    counted += countBusy(v.uls, -1);
    const joiner = e.t.joiner;
    recordExitLocked(x, v, e.t, e.value, false);
    if (joiner !== null) counted += countBusy(v.uls, 1);
  }
  return counted;
}

/** Activations: apply a busy-count update made inside a batch step; returns the instructions it costs (0 elsewhere). */
export function countBusy(uls: Uls, delta: number): number {
  if (!uls.marks) return 0;
  uls.busy += delta;
  return 1;
}

/**
 * Record t's exit with `value` (sched lock held): its result, the live count, and the
 * hand-off to a waiting joiner. Returns the vCPU claimed to wake for the joiner, or -1.
 */
export function recordExitLocked(x: CpuView, v: Vcpu, t: Tcb, value: unknown, claim: boolean): number {
  t.result = value;
  t.transition('exited', x.now);
  t.saved = null;
  v.uls.live--;
  let w = -1;
  const j = t.joiner;
  if (j !== null) {
    j.wakeValue = value;
    t.joined = true;
    w = makeReadyLocked(v, j, 'wake', x.now, claim);
  }
  x.trace('exit', t.id, 0);
  return w;
}

/** Insert t into the process's timer list (sorted by until; sched lock held). */
export function addTimerLocked(v: Vcpu, t: Tcb): void {
  const ts = v.uls.timers;
  let i = ts.length;
  while (i > 0 && (ts[i - 1] as Tcb).until > t.until) i--;
  ts.splice(i, 0, t);
}

/** The earliest timer of the process, or 0 (what an idle vCPU arms as its kernel wakeup). */
export function earliestTimer(v: Vcpu): number {
  const t = v.uls.timers[0];
  return t === undefined ? 0 : t.until;
}

/**
 * Fire due timers (sched lock held); returns a vCPU claimed to wake (only when canClaim)
 * or -1, and the instructions it took (one per timer, and one per busy-count update).
 */
export function fireTimersLocked(v: Vcpu, now: number, canClaim: boolean): { wake: number; fired: number } {
  const ts = v.uls.timers;
  let fired = 0;
  let wake = -1;
  while (ts.length > 0 && (ts[0] as Tcb).until <= now) {
    const t = ts.shift() as Tcb;
    fired += countBusy(v.uls, 1);
    const w = makeReadyLocked(v, t, 'wake', now, canClaim && wake === -1);
    if (w !== -1) wake = w;
    fired++;
  }
  return { wake, fired };
}

