/**
 * upcall: user-level threads on scheduler activations over a simulated multiprocessor
 * kernel. This file names every public export.
 */
import './dual-load'; // first: a second build of the other format (import beside require) throws here
export type { Costs, DaemonSpec, Preset, PrimName } from '../kernel-sim/costs';
export type { Violation, UpcallEvent } from '../kernel-sim/abi';
export type { DecisionPoint, DecisionSource, Decision } from '../kernel-sim/decisions';
export type { TraceEvent } from '../kernel-sim/trace';
export type { RunTrace, TraceOptions, TraceRecord } from './trace/schema';
export { DEFAULT_TRACE_LIMIT } from './trace/schema';
export { toChromeTrace } from './trace/chrome';
export type { ChromeEvent, ChromeTrace } from './trace/chrome';
export { textTimeline } from './trace/text';
export type { TextTimelineOptions } from './trace/text';
export { htmlTimeline } from './trace/html';
export type { HtmlHighlight, HtmlTimelineOptions } from './trace/html';
export { deriveLanes } from './trace/lanes';
export type { CpuLane, CpuSegment, Flow, Instant, Lanes, ThreadLane, ThreadSegment } from './trace/lanes';
export type { CpuActivity } from '../kernel-sim/loop';
export type { ProcessEnd } from '../kernel-sim/dcb';
export type { MachineOptions, ProcessOptions, PolicyOption } from './config';
export type {
  BlockedThread, Counts, Outcome, PrimitiveCharge, ProcessReport, Report, SpinWaiter, ThreadReport, VcpuReport,
} from './report';
export type { BlockReason, Thread, ThreadState, Waitable } from '../runtime/tcb';
export type { Code } from '../runtime/thread-api';
export type { OpenWindow } from '../runtime/window';
export type { InvariantBreach } from '../kernel-sim/observer';
export type { WaitingThread } from './report';

export { Machine } from './machine';
export { runInWorker } from './worker';
export type { RunInWorkerOptions, WorkerRunResult } from './worker';
export type { AppOptions } from './worker-thread';
export type { ErrorSummary, ProcessSummary, ResultSummary, RunSummary } from './run-summary';
export type { Phase, ThreadSpot } from './progress';
export { COST_NAMES, PRIM_NAMES } from '../kernel-sim/costs';
export { PRESETS } from '../kernel-sim/presets';
export { SeededDecisions } from '../kernel-sim/decisions';
export { ConfigError, ContextCorruption, DecisionError, KernelPanic, ProcessFault, ThreadCrashError, UpcallError } from '../kernel-sim/errors';
export type { FaultSite } from '../kernel-sim/errors';
export {
  compute, delay, detach, exit, join, now, preemptVcpu, read, self, sleep, spawn, step, touch, yieldNow,
} from '../runtime/thread-api';
export { enterWindow, inWindow, leaveWindow } from '../runtime/window';
export { Mutex } from '../runtime/sync/mutex';
export { SpinLock } from '../runtime/sync/spinlock';
export { Cond } from '../runtime/sync/cond';
export { Semaphore } from '../runtime/sync/semaphore';
export { KernelSemaphore } from '../runtime/sync/ksemaphore';
export { RwLock } from '../runtime/sync/rwlock';
export { Barrier } from '../runtime/sync/barrier';
export { Channel } from '../runtime/sync/channel';
export {
  ActivationsExhaustedError, ArgumentError, DetachError, ForeignThreadError, IllegalInstructionError, JoinDetachedError,
  ForeignObjectError, JoinSelfError, JoinTwiceError, NotOwnerError, OutsideThreadError, RecursiveLockError,
  RuntimePanic, ThreadApiError,
} from '../runtime/errors';
