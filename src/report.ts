/**
 * The run report: how the run ended, simulated end time, per-thread and per-vCPU
 * figures, machine-wide counters, detection-layer violations and the trace hash.
 *
 * Invariants:
 *  1. Every figure comes from the simulation (counters and clocks); nothing is derived
 *     from host time.
 *  2. Outcome is a discriminated union on `kind`; `ok` is true only for 'completed'.
 */
import type { Violation } from '../kernel-sim/abi';
import type { ProcessFault, ThreadCrashError } from '../kernel-sim/errors';
import type { ProcessEnd } from '../kernel-sim/dcb';
import type { TraceEvent } from '../kernel-sim/trace';
import type { CpuActivity } from '../kernel-sim/loop';
import type { InvariantBreach } from '../kernel-sim/observer';

/** A thread still waiting when the run ended, and for how long (starvation shows as a long wait with little run time). */
export interface WaitingThread {
  readonly thread: string;
  readonly state: 'ready' | 'blocked';
  /** Simulated ns in that state at the end. */
  readonly for: number;
  /** Simulated ns it ran in all. */
  readonly ran: number;
}

export interface BlockedThread {
  readonly thread: string;
  readonly process: string;
  /** What the thread waits for, e.g. "mutex m1 (held by T3(worker))". */
  readonly waitsFor: string;
  /** Threads that would have to act to wake it. */
  readonly on: readonly string[];
}

export type Outcome =
  /** Every process finished all its threads. */
  | { readonly kind: 'completed' }
  /** Nothing can run and nothing is pending, yet threads are left. */
  | { readonly kind: 'deadlock'; readonly blocked: readonly BlockedThread[]; readonly cycle: readonly string[] }
  /**
   * CPUs kept executing without any application thread making progress: `spinning` says
   * what each busy CPU was doing (spinning on which word, held by whom, and whether that
   * holder runs), `lost` names threads whose continuation a corrupted context replaced.
   */
  | { readonly kind: 'livelock'; readonly spinning: readonly CpuActivity[]; readonly lost: readonly string[]; readonly waiting: readonly WaitingThread[] }
  /**
   * A step or time limit ended a run that was still making progress (slow progress, not
   * a livelock): what each CPU was doing, and who had waited longest.
   */
  | { readonly kind: 'limit'; readonly what: 'steps' | 'time'; readonly activity: readonly CpuActivity[]; readonly waiting: readonly WaitingThread[] }
  /** A step-level invariant failed (test mode): which, where, and the replay string of the run so far. */
  | { readonly kind: 'invariant'; readonly breach: InvariantBreach; readonly replay: string }
  /** A detection layer reported a corrupted context (onViolation: 'stop', or layer 3). */
  | { readonly kind: 'violation'; readonly violation: Violation }
  /**
   * A process was ended by a fault (the first to fault; each process's `end` has its
   * own): a thread's uncaught error (ThreadCrashError, the thrown value as `cause`) or
   * the process breaking the machine's rules (ProcessFault: a refused field, a corrupted
   * context, an exception in its own dispatcher code). The other processes ran on.
   */
  | { readonly kind: 'fault'; readonly process: string; readonly message: string; readonly error: ThreadCrashError | ProcessFault }
  /** The simulator itself failed outside any process (a bug in upcall): what was thrown. */
  | { readonly kind: 'panic'; readonly message: string; readonly error: unknown };

export interface ThreadReport {
  readonly id: number;
  readonly name: string;
  readonly state: 'ready' | 'running' | 'blocked' | 'exited';
  readonly result: unknown;
  readonly created: number;
  /** Exit time, or -1. */
  readonly finished: number;
  readonly runTime: number;
  readonly readyTime: number;
  readonly blockedTime: number;
  /** Times the thread was switched in. */
  readonly switches: number;
  /** What it died of under onThreadError: 'thread' (null: it did not crash). */
  readonly error: Error | null;
}

export interface VcpuReport {
  readonly vcpu: number;
  readonly cpu: number;
  /** Simulated ns the vCPU held its CPU. */
  readonly busy: number;
  /** busy / endTime. */
  readonly utilization: number;
  readonly runUpcalls: number;
}

export interface ProcessReport {
  readonly name: string;
  readonly end: ProcessEnd;
  /** Return value of the main thread (undefined until it exits). */
  readonly mainResult: unknown;
  readonly threads: readonly ThreadReport[];
  readonly vcpus: readonly VcpuReport[];
  readonly threadSwitches: number;
  /** Kernel-managed residency figures (null when the process has no resident-set limit). */
  readonly memory: { readonly residentPages: number; readonly hits: number; readonly faults: number; readonly evictions: number } | null;
  /** Activation pool: created, reused from the kernel's cache, and refusals for exhaustion. */
  readonly activations: { readonly created: number; readonly reused: number; readonly exhausted: number } | null;
  /** Threads continued by critical-section recovery (criticalSections: 'recover'). */
  readonly recoveries: number;
}

export interface Counts {
  readonly instructions: number;
  readonly upcalls: number;
  readonly interrupts: number;
  readonly preemptions: number;
  readonly syscalls: number;
  readonly faults: number;
  /** Every user->kernel entry: syscalls, interrupts taken while running, exceptions. */
  readonly kernelCrossings: number;
  readonly kernelSwitches: number;
  readonly threadSwitches: number;
  readonly diskRequests: number;
  /** Failed acquires (test-and-set finding the word taken, failed CAS) on every CPU. */
  readonly spins: number;
  /** Pause-loop exits (fair scheduling). */
  readonly pauseExits: number;
  /** Preemptions the kernel deferred for a disabled dispatcher (criticalSections: 'prevent'). */
  readonly deferredPreemptions: number;
  /** Events landed by the decision source (interrupts, page faults, revocations). */
  readonly injected: number;
  /** CPUs loading another address space (charged only when the space changes). */
  readonly addressSpaceSwitches: number;
  /** Fixed-latency kernel blocks (buffer-cache misses, `delay`). */
  readonly delays: number;
}

/**
 * One primitive of the cost model and what the run charged of it: how many times, and
 * the simulated ns that makes (count x its cost). `compute` is the application's own
 * compute(ns) time. Together they account for every ns a CPU was busy.
 */
export interface PrimitiveCharge {
  readonly name: string;
  readonly count: number;
  readonly ns: number;
}

export interface Report {
  readonly ok: boolean;
  readonly outcome: Outcome;
  /** Simulated ns at which the run ended. */
  readonly endTime: number;
  readonly processes: readonly ProcessReport[];
  readonly counts: Counts;
  /** Every primitive the run charged (count > 0), in cost-table order, then `compute`: the breakdown of the run. */
  readonly primitives: readonly PrimitiveCharge[];
  readonly violations: readonly Violation[];
  readonly violationCount: number;
  /** FNV-1a hash of the trace: equal for identical runs. */
  readonly traceHash: string;
  readonly traceEvents: number;
  readonly trace: readonly TraceEvent[] | null;
}
