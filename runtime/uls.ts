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
import { Cell, initialContext, Stack } from '../kernel-sim/abi';
import type { CpuView, DispatcherShared, Frame, Routine, SmExec, UpcallEvent } from '../kernel-sim/abi';
import type { PickHook, RunPolicy } from './policy/policy';
import { Tcb } from './tcb';
import type { Thread, ThreadHome } from './tcb';
import { TimerHeap } from './timers';
import { RuntimePanic } from './errors';

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

/**
 * What the dispatcher's run upcall calls that is the runtime's policy rather than the
 * protocol: draining notices, and critical-section recovery (installed by attach).
 */
export interface UpcallHandlers {
  drain(x: CpuView, v: Vcpu, canClaim: boolean): { wake: number; handled: number };
  recoveryCandidate(x: SmExec, v: Vcpu): Tcb | null;
  recoverable(v: Vcpu, events: readonly UpcallEvent[]): boolean;
}

/** A sync object as its owning process sees it (runtime/sync/owner.ts binds it). */
export interface OwnedObject {
  readonly label: string;
  home: Uls | null;
  owners(): readonly Thread[];
}

/** Released threads whose records a report keeps by default (MachineOptions.keepThreadRecords). */
export const DEFAULT_KEPT_THREAD_RECORDS = 1000;

export class Uls implements ThreadHome {
  /**
   * The threads nobody has released yet, in creation (id) order: every live thread and
   * every exited one still to be joined, a list linked through the TCBs (two fields a
   * thread, less than a Map entry). A thread leaves when it has exited and is joined or
   * detached (releaseIfDone): nothing can ask about it again, so a long run with few
   * live threads holds few TCBs. Ids are never reused.
   */
  private oldest: Tcb | null = null;
  private newest: Tcb | null = null;
  /** Length of that list. */
  unreleasedCount = 0;
  /** The main thread (its result is the process's), kept after its release. */
  mainThread: Tcb | null = null;
  /** Released threads kept for the report's records: the first `keepReleased` to go, in release order. */
  readonly released: Tcb[] = [];
  /** How many released threads `released` keeps (the rest are only counted in `droppedRecords`). */
  keepReleased = DEFAULT_KEPT_THREAD_RECORDS;
  /** Released threads beyond `keepReleased`: gone, counted. */
  droppedRecords = 0;
  /** See ThreadHome (set by the machine before the run). */
  labelPrefix = '';
  /** What an uncaught thread error ends: the process (default) or only the thread (its joiner gets the error). */
  onThreadError: 'process' | 'thread' = 'process';
  /** The machine this runtime belongs to (an identity only: its code map). */
  machine: unknown = null;
  /** The process's token (DispatcherShared.home at attach), stamped on every stack it creates. */
  token: object | null = null;
  /** Sync objects bound to this process (their first use was here), for fault reports. */
  readonly objects: OwnedObject[] = [];
  readonly vcpus: Vcpu[] = [];
  readonly sched = new Cell(0, 'sched');
  live = 0;
  mainStarted = false;
  /**
   * Race testing: thread paths (Tcb.path) and the id of each path so far; null when off
   * (no cost outside tests). Set before the run starts (src/testing's decision source).
   */
  paths: Map<string, number> | null = null;
  /** Trace recording (src/trace): told when a thread is made ready; null when off. */
  note: ((v: Vcpu, kind: string, a: number, b: number) => void) | null = null;
  /** Race testing: the pick decision (policy.ts pickThread); null: the policy alone picks. */
  pick: PickHook | null = null;
  /** Sleeping threads of the process, sorted by `until` (sched lock held). */
  readonly timers = new TimerHeap();
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
  /** The drain and recovery the run upcall calls (attach installs them). */
  upcalls: UpcallHandlers = NO_UPCALLS;
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
  createThread(name: string | undefined, root: Frame, now: number, parent: Tcb | null = null): Tcb {
    const id = this.nextId++;
    const t = new Tcb(id, name ?? `t${id}`, this, now);
    if (this.paths !== null) {
      t.setPath(parent, pathName(name));
      this.paths.set(t.path as string, id);
    }
    t.stack = new Stack(root, id, this.r.exit, t);
    t.stack.thread = t;
    t.stack.home = this.token;
    t.saved = initialContext(t.stack);
    t.prevHeld = this.newest;
    if (this.newest === null) this.oldest = t;
    else this.newest.nextHeld = t;
    this.newest = t;
    this.unreleasedCount++;
    if (id === 1) this.mainThread = t;
    this.live++;
    return t;
  }

  /** Threads created so far (released or not). */
  get created(): number {
    return this.nextId - 1;
  }

  /**
   * Let t go if it has exited and is joined or detached (sched lock held): no join,
   * detach or report can ask the runtime about it again. A thread handle the program
   * still holds keeps its TCB reachable, but the runtime holds nothing of it.
   */
  releaseIfDone(t: Tcb): void {
    if (t.state !== 'exited' || !(t.joined || t.detached)) return;
    if (t.prevHeld === null && this.oldest !== t) return; // released already
    const p = t.prevHeld;
    const n = t.nextHeld;
    if (p === null) this.oldest = n;
    else p.nextHeld = n;
    if (n === null) this.newest = p;
    else n.prevHeld = p;
    t.prevHeld = null;
    t.nextHeld = null;
    this.unreleasedCount--;
    if (this.released.length < this.keepReleased) this.released.push(t);
    else this.droppedRecords++;
  }

  /** The unreleased threads, oldest first (id order). */
  *unreleased(): IterableIterator<Tcb> {
    for (let t = this.oldest; t !== null; t = t.nextHeld) yield t;
  }

  /** Thread `id`: not yet released, or released with its record kept (null once dropped). A scan: for messages, not hot paths. */
  findThread(id: number): Tcb | null {
    if (id === 1 && this.mainThread !== null) return this.mainThread;
    for (const t of this.unreleased()) if (t.id === id) return t;
    return this.released.find((r) => r.id === id) ?? null;
  }

  /**
   * The thread of this process that `stack` runs, or null: a thread's stack points back
   * at its TCB, so this finds it even once released (an exited thread's stack may still
   * be the last one its CPU loaded).
   */
  threadOf(stack: Stack | null): Tcb | null {
    const t = stack === null ? null : stack.thread;
    return t instanceof Tcb && t.home === this ? t : null;
  }
}

/** Udisp of the vCPU a library frame runs on. */
export function vcpuOf(cpu: CpuView): Vcpu {
  const s = cpu.disp;
  const v = s.udisp as Vcpu | null;
  if (v === null || typeof v !== 'object' || v.shared !== s) throw new RuntimePanic(`${s.name}.udisp is not this dispatcher's vCPU record`);
  return v;
}

/** The busy-count instruction of the activations runtime (sched lock held): one more or one fewer busy thread. */
export function busyLib(cpu: CpuView, delta: number): void {
  vcpuOf(cpu).uls.busy += delta;
}

const NO_UPCALLS: UpcallHandlers = {
  drain: () => ({ wake: -1, handled: 0 }),
  recoveryCandidate: () => null,
  recoverable: () => false,
};

/** A body's name as a path segment: an identifier (other characters become `_`), `anon` when it has none. */
export function pathName(name: string | undefined): string {
  if (name === undefined || name === '') return 'anon';
  const s = name.replace(/[^\w$]/g, '_');
  return /^[A-Za-z_$]/.test(s) ? s : `_${s}`;
}
