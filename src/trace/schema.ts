/**
 * The trace event schema: what a recorded run holds (MachineOptions.trace), one record per
 * event, in simulated-time order per CPU (records of different CPUs interleave in the order
 * the machine loop executed them, which is simulated-time order up to one instruction).
 *
 * Every record names where it happened: the simulated time, the physical CPU, the process
 * and vCPU whose dispatcher the CPU was running (-1: none), the thread (the thread whose
 * code ran, or in dispatcher code the thread its vCPU was working for; -1: none) and the
 * symbolic pc (`resume+1`, `user`, `idle`). `a` and `b` are the kind's operands, below.
 *
 * Kinds (hashed into the trace hash unless marked "note": notes never change the hash):
 *  dispatch      the kernel dispatched the dispatcher a (its index): `upcall-run` (an upcall
 *                at the run entry), `resume-disabled` (a resume of the disabled area, b = pc)
 *  upcall-run    a run upcall; `notices` lists the pending notices (note fields)
 *  irq-enabled / irq-disabled   an interrupt; b = the pc it stopped; `save` says which area
 *                the context went to: `enabled` (the enabled area; the thread's state is
 *                saved), `disabled` (the disabled area; the dispatcher will resume)
 *  inject        an event a decision source landed: a = 1 interrupt, 2 page fault, 3 revocation, 4 stall
 *  syscall       a = the dispatcher, b = the syscall number; `name` names it, `charged` is
 *                the kernel work it charged on this CPU, in ns (filled in when the call returns;
 *                a record streamed through onRecord sees it once the call is over)
 *  trap / pagefault   b = 1 when taken disabled
 *  block         a kernel wait: a = the holder's id, b = the wait's id; kt-block for kernel threads
 *  switch        a thread switch at user level: a = the thread resumed, b = its context's id
 *  idle          the CPU went idle
 *  vcpu-add / vcpu-revoke   the allocator granted (a = dispatcher, b = process) or revoked a vCPU
 *  kt-create / kt-park / kt-exit   kernel-thread lifecycle (a = dispatcher)
 *  exit          a thread exited (a = its id)
 *  spawn         (note) a thread was created: a = its id, b = the creator's id (-1: none)
 *  wake          (note) a thread was made ready: a = its id, b = 0 spawn, 1 wake, 2 yield, 3 preempt
 *  ublock        (note) a thread blocked at user level: a = its id; `name` is the reason
 *  window-enter / window-leave   (note) thread a entered or left its b-th pass through the
 *                application race window `name` (enterWindow / leaveWindow)
 *  act-blocked / act-unblocked, recover / recovered, defer, pause-exit, disk, alloc,
 *  dcb-removed, violation, process-fault   as their names say (see the kernel's sources)
 */

export interface TraceRecord {
  /** Order of recording (0-based). */
  readonly seq: number;
  /** Simulated ns. */
  readonly time: number;
  /** Physical CPU, or -1 for machine-wide events (the disk, the allocator). */
  readonly cpu: number;
  readonly kind: string;
  /** Process index and name, or -1 / null. */
  readonly proc: number;
  readonly process: string | null;
  /** vCPU index within the process, or -1. */
  readonly vcpu: number;
  /** Thread id and label (`T3(worker)`), or -1 / null. */
  readonly thread: number;
  readonly threadLabel: string | null;
  /** Symbolic pc the CPU was at (`resume+1`, `user`, `idle`, `kernel`). */
  readonly pc: string;
  readonly a: number;
  readonly b: number;
  /** Kind-specific: a syscall's or block reason's name, the save area of an interrupt, an upcall's notices. */
  readonly name?: string;
  readonly save?: 'enabled' | 'disabled';
  readonly notices?: readonly string[];
  /** A syscall's kernel work on its CPU (ns). */
  readonly charged?: number;
}

/** What MachineOptions.trace may say: true (keep the last DEFAULT_TRACE_LIMIT records), or options. */
export interface TraceOptions {
  /** Keep at most this many records, the newest (a ring); default DEFAULT_TRACE_LIMIT. */
  readonly limit?: number;
  /** Stream every record here as it happens (the ring still keeps the newest). */
  readonly onRecord?: (r: TraceRecord) => void;
}

export const DEFAULT_TRACE_LIMIT = 200_000;

/** The trace of a run, as a report holds it: the records kept, and how many were dropped from the front. */
export interface RunTrace {
  readonly records: readonly TraceRecord[];
  readonly dropped: number;
  /** CPUs of the machine and process names, for exporters. */
  readonly cpus: number;
  readonly processes: readonly string[];
  readonly endTime: number;
  /** Set when onRecord threw: where, and that streaming stopped there (recording went on). */
  readonly streamError?: string;
}
