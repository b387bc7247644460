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
import type { RunTrace } from './trace/schema';
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

/** A thread spinning for a SpinLock when a livelock was declared, and what became of the lock's holder. */
export interface SpinWaiter {
  readonly thread: string;
  readonly process: string;
  /** The SpinLock's label. */
  readonly lock: string;
  /** Who holds the lock (null: nobody, it was just released). */
  readonly holder: string | null;
  /** The holder's state: 'exited' and 'crashed' (onThreadError: 'thread') mean it ended without unlocking, so the lock is never free again. */
  readonly holderState: 'running' | 'ready' | 'blocked' | 'exited' | 'crashed' | 'none';
  /** In words, e.g. "T2(holder) exited at t=5000ns without unlocking it". */
  readonly holderFate: string;
}

/**
 * How a run ended. Exactly one kind per run; `ok` is true only for 'completed'. The
 * table in the README (kind, when, what the report holds, what to do) mirrors these.
 */
export type Outcome =
  /**
   * Every application process ended: all its threads exited (a thread that crashed
   * under onThreadError: 'thread' counts as ended; its ThreadReport has the error). The
   * end time is the last process's exit, even when idle vCPUs wound down after it, and
   * maxTime never turns such a run into a 'limit'.
   */
  | { readonly kind: 'completed' }
  /**
   * Nothing can run and nothing is pending (no timer, no device), yet threads of a
   * running process are left: each waiting thread with what it waits for and who would
   * have to act (`blocked`, a ready thread no vCPU runs is a lost wake-up), the wait-for
   * `cycle` as thread labels ([] when there is none: e.g. a Cond nobody signals, a
   * holder that exited), and `message`, one line naming the cycle and the objects.
   */
  | { readonly kind: 'deadlock'; readonly blocked: readonly BlockedThread[]; readonly cycle: readonly string[]; readonly message: string }
  /**
   * livelockSteps application instructions passed with no progress: every instruction
   * was a spin (a failed test-and-set or CAS) or a yield (yieldNow, sleep(0), a fair
   * SpinLock waiter's yield), and no thread was sleeping or waiting for a device (that
   * would bring progress back). `spinners`: threads spinning for a SpinLock, with the
   * holder's state and fate (exited or crashed without unlocking); `yielding`: threads
   * that kept yielding with no other work; `spinning`: what each busy CPU was doing
   * (the word it spun on, who took it, whether that holder runs or has exited); `lost`:
   * threads whose continuation a corrupted context replaced; `waiting`: who had waited
   * longest; `message`: all of it in one line.
   */
  | {
    readonly kind: 'livelock'; readonly message: string; readonly spinners: readonly SpinWaiter[]; readonly yielding: readonly string[];
    readonly spinning: readonly CpuActivity[]; readonly lost: readonly string[]; readonly waiting: readonly WaitingThread[];
  }
  /**
   * maxSteps instructions ran, or simulated time passed maxTime while an application
   * process still ran, and the run was still making progress (slow progress, not a
   * livelock): `what` says which limit, `activity` what each CPU was doing, `waiting`
   * who had waited longest (starvation).
   */
  | { readonly kind: 'limit'; readonly what: 'steps' | 'time'; readonly activity: readonly CpuActivity[]; readonly waiting: readonly WaitingThread[] }
  /** A step-level invariant failed (test mode, MachineOptions.invariants): which, where, and the replay string of the run so far. */
  | { readonly kind: 'invariant'; readonly breach: InvariantBreach; readonly replay: string }
  /**
   * A detection layer caught a corrupted context (the first one, with layer, where and
   * when). Layer 1 or 2 under onViolation: 'stop' (the default) stops a machine with one
   * process at once, or ends only the offending process beside others; a layer-3 check
   * (a stale, doubled or foreign context) ends the offending process. The others run
   * on, and the run then ends as this. Under onViolation: 'record', layers 1 and 2 are
   * only listed in `violations`.
   */
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
  /**
   * Per-thread records, by id: every thread still live or exited and unjoined at the
   * end, and the first `threadRecords.cap` threads released (exited and joined or
   * detached); the records of later released threads are dropped with their memory.
   */
  readonly threads: readonly ThreadReport[];
  /** How many threads the process created, how many records `threads` holds, how many were dropped, and the cap (MachineOptions.keepThreadRecords): created = kept + dropped. */
  readonly threadRecords: { readonly created: number; readonly kept: number; readonly dropped: number; readonly cap: number };
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
  /** The recorded trace (MachineOptions.record), or null when recording was off. */
  readonly records: RunTrace | null;
}
