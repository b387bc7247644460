/**
 * Kernel-private dispatcher control block (Barrelfish `struct dcb`) and the kernel's
 * view of a process.
 *
 * Invariants:
 *  1. `kdisabled` is the kernel's own copy of "last saved while disabled"; dispatch()
 *     consults it, never the user-writable `shared.disabled`.
 *  2. A dcb is in exactly one of the states below; only the kernel changes it.
 *  3. A removed dcb (process exited, or too many faults while disabled) never runs again.
 */
import type { Context, DispatcherShared, UpcallEvent } from './abi';
import type { Activation, ActivationPool } from './activations';
import type { Residency } from './memory';
import type { ProcessFault, ThreadCrashError } from './errors';

export type DcbState =
  /** Runnable: on a run queue or running (ksched.ts says which queue). */
  | 'runnable'
  /** Off the run queue after sys_yield with no work; may have a wakeup armed. */
  | 'blocked'
  /** Never runs again. */
  | 'removed';

export class Dcb {
  kdisabled = true;
  /**
   * A kernel thread blocked in the kernel on a wait (a disk read, a delay): only that
   * wait's completion may make it runnable. Its context is in the wait, not in its
   * disabled area, so anything else that woke it (a user's SYS_WAKE aimed at a vCPU it
   * thought idle) would resume a stale context.
   */
  inKernelWait = false;
  /**
   * Kernel-private: the entry points (run, pagefault, pagefaultDisabled, trap) as they
   * were when the dispatcher started (R6). The process may point them elsewhere (any
   * routine of this machine is legal); a fault report then says so.
   */
  entriesAtStart: readonly unknown[] | null = null;
  faultsTaken = 0;
  state: DcbState = 'blocked';
  /** Generation of the armed wakeup (stale wakeup events are ignored). */
  wakeupGen = 0;
  /** A wakeup event of the current generation is pending. */
  wakeupArmed = false;
  /** Time the dcb was last put on a CPU, or -1 while it is not on one. */
  onCpuSince = -1;
  /** Simulated ns spent on a CPU. */
  busy = 0;
  /** The activation this vCPU runs on (scheduler-activation processes only). */
  activation: Activation | null = null;
  /** Holds a processor from the allocator (kernel threads: always). */
  assigned = false;
  /** Has been dispatched at least once (its prepared first context ran). */
  started = false;
  /** Revocation waits for a safe point (the vCPU was inside dispatcher code). */
  revokePending = false;
  /** Interrupted while enabled and not yet upcalled: the enabled area holds its thread. */
  pendingUpcall = false;
  /** Preemptions deferred in a row while disabled (deferPreempt). */
  deferrals = 0;
  /** A kick (notice IPI) to this vCPU is in flight. */
  kickPending = false;
  /** Time-shared kernel threads: on the kernel's global ready queue (not running). */
  inTsq = false;
  /** Wake-ups of this entity done by a device interrupt, charged to the CPU that next dispatches it. */
  pendingWakeups = 0;
  /** `delivered` when notices were last charged (each notice costs upcallNotice once). */
  noticesCharged = 0;

  // --- the kernel's own copies of what it wrote into the shared record (copyin.ts) ---
  /** A kernel thread (never upcalled): the kernel reads this, never shared.kthread. */
  kthread = false;
  /** Notices delivered (shared.delivered is the user's copy). */
  delivered = 0;
  /** The user's `seen` as last accepted by copy-in (it may only grow, up to delivered). */
  seen = 0;
  /** What the kernel last wrote into shared.systime and shared.activation. */
  systime = 0;
  activationId = 0;
  /**
   * The notice queue the kernel made (shared.events must stay this very array: the user
   * drains it in place), and why the kernel could not append to it (null: it could); a
   * refusal is reported at the next copy-in.
   */
  readonly queue: UpcallEvent[];
  queueBroken: string | null = null;
  /** The identity the kernel gave the record (shared.name and shared.vcpu must keep it). */
  readonly name: string;
  readonly vcpuId: number;

  constructor(
    readonly index: number,
    readonly proc: KProcess,
    readonly shared: DispatcherShared,
    /** CPU this vCPU is placed on (a migratable kernel thread may move). */
    public cpu: number,
  ) {
    this.queue = shared.events;
    this.name = shared.name;
    this.vcpuId = shared.vcpu;
  }

  // --- kernel threads (1:1, N:1, plain M:N) ---
  /** Parked by SYS_KT_PARK (versus blocked in sys_yield or on the disk). */
  parked = false;
  /** An unpark arrived while not parked: the next park returns at once. */
  permit = false;
  /** Address space it runs in (0: the kernel's own, as daemons; loading another costs addressSpaceSwitch). */
  space = 0;
}

export type ProcessEnd =
  | { readonly kind: 'running' }
  | { readonly kind: 'exited'; readonly time: number }
  /** Ended by a fault (kernel-sim/containment.ts): `error` is a ThreadCrashError or a ProcessFault. */
  | { readonly kind: 'fault'; readonly time: number; readonly message: string; readonly error: ThreadCrashError | ProcessFault };

/** A thread's context held by the kernel while it waits for I/O or a page-in. */
export interface KernelWait {
  readonly id: number;
  readonly proc: KProcess;
  /** The activation that holds the blocked thread (null: a kernel thread blocked in place). */
  readonly activation: Activation | null;
  /** The kernel thread blocked in place (null with activations). */
  readonly dcb: Dcb | null;
  readonly context: Context;
  /** 'read' and 'delay' return a syscall answer; 'pagein' installs the page and retries the touch; 'ksem' returns when posted. */
  readonly what: WaitWhat;
}

export type WaitWhat =
  | { readonly kind: 'read'; readonly bytes: number }
  | { readonly kind: 'pagein'; readonly page: number }
  /** A fixed-latency block that does not queue (a buffer-cache miss). */
  | { readonly kind: 'delay'; readonly ns: number }
  /** Waiting for a unit of a kernel semaphore. */
  | { readonly kind: 'ksem'; readonly sem: number };

/** A semaphore kept in the kernel (SYS_KSEM_*): its units and the waits blocked on it, FIFO. */
export interface KSem {
  units: number;
  readonly waiters: number[];
}

export class KProcess {
  readonly dcbs: Dcb[] = [];
  /** Pages mapped by the user-level pager (processes without a residency limit). */
  readonly mapped = new Set<number>();
  end: ProcessEnd = { kind: 'running' };
  /** Scheduler activations (null: none yet attached). */
  acts: ActivationPool | null = null;
  /** Kernel-managed residency (null: the user-level pager maps pages itself). */
  residency: Residency | null = null;
  /** Threads blocked in the kernel, by wait id. */
  readonly waits = new Map<number, KernelWait>();
  /** Unblocked notices that found no vCPU to carry them (the process had none running). */
  undelivered = 0;
  /** Time-shared processes: the CPUs its kernel threads may run on (its affinity). */
  cpus: readonly number[] = [];
  /** Time-shared processes: `cpus` within the time-sharing pool (the whole pool when they do not meet). */
  eff: readonly number[] = [];
  /** Every kernel thread gets its own address space (heavyweight processes). */
  heavyweight = false;
  /** The process's address space (a heavyweight process's threads each have their own). */
  space = 0;
  /** Semaphores kept in the kernel, by id. */
  readonly ksems: KSem[] = [];
  /** A kernel daemon: outside the allocator, its threads pinned, and not waited for at the end. */
  daemon = false;
  /** Processors the process can use now (the allocator's input). */
  demand = 1;
  /** The allocator has started the process. */
  started = false;
  /** Notices for a process that had no processor: handed over with the next vcpuAdded. */
  readonly parkedNotices: UpcallEvent[] = [];

  /** The process's identity (an object only the kernel and the process's runtime hold): stacks carry it, restores check it. */
  readonly token: object = {};

  constructor(readonly id: number, readonly name: string) {}
}
