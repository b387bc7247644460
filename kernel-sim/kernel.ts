/**
 * The simulated kernel: its state (CPUs, dispatchers, processes, queues, counters) and
 * the entry points the rest of the machine calls. The dispatch protocol's rules R1-R6
 * live in protocol.ts; kernel events in interrupts.ts; syscalls in syscalls.ts; the
 * kernel scheduler in ksched.ts; the processor allocator in allocation.ts; blocking in
 * the kernel in blocking.ts; the time-ordered loop in loop.ts. Calls that go up the
 * module layering (from a lower module to a higher one) go through methods here, so no
 * two modules import each other's values.
 * The kernel runs with interrupts off: its work is atomic and charged to the CPU, path
 * by path, from the named primitives of costs.ts (every charge counted in `charged`).
 */
import { DispatcherShared } from './abi';
import type { Context, Routine, UpcallEvent, Violation } from './abi';
import { ActivationPool } from './activations';
import type { Activation } from './activations';
import { finishRevoke, reallocate } from './allocation';
import { blockThread } from './blocking';
import type { BlockWhat } from './blocking';
import { CodeMap, USER_PC } from './codemap';
import { faultProcess, kernelSite } from './containment';
import { copyIn } from './copyin';
import { noteEntries } from './entries';
import { costArray, kernelPath, P_K_SCHEDULE, PRIM_COUNT } from './costs';
import type { Costs } from './costs';
import { Cpu, MODE_SM } from './cpu';
import { Dcb, KProcess } from './dcb';
import { Deque } from './deque';
import { decide } from './decisions';
import type { DecisionSource } from './decisions';
import { Disk } from './disk';
import type { DiskStart } from './disk';
import { ContextCorruption, panic, ProcessFault } from './errors';
import type { ThreadCrashError } from './errors';
import { EventQueue } from './events';
import type { KernelEvent } from './events';
import { dequeue, enqueue, pickNext } from './ksched';
import type { InvariantBreach, KernelObserver } from './observer';
import { notify, peekSeen } from './notices';
import { dispatch, pageFault, setKernelCopy, startDisabled, trap, treatAsDisabled, upcallRun } from './protocol';
import type { LandCause } from './observer';
import { handleSyscall } from './syscalls';
import { Trace } from './trace';

export { DEFER_RETRIES } from './interrupts';
export { STACK_PAGE } from './protocol';

export interface KernelOptions {
  readonly cpus: number;
  readonly costs: Costs;
  readonly decisions: DecisionSource;
  /** Largest extra delay added to a timer tick (seeded jitter; 0 = a fixed period). */
  readonly jitter: number;
  readonly unsafeNoCritCheck: boolean;
  /** What a detection-layer 1/2 violation does (layer 3 always stops). */
  readonly onViolation: 'stop' | 'record';
  readonly recordTrace: boolean;
  /** Check kernel invariants (running activations = assigned vCPUs) after every kernel event. */
  readonly checkInvariants?: boolean;
}

export type KernelStop =
  | { readonly kind: 'aborted'; readonly error: unknown }
  /** Every process but the kernel daemons has ended. */
  | { readonly kind: 'finished' }
  | { readonly kind: 'violation'; readonly violation: Violation }
  /** A step-level invariant failed (test mode). */
  | { readonly kind: 'invariant'; readonly breach: InvariantBreach };

export class Kernel {
  readonly costs: Costs;
  /** The cost table by primitive index, and how many times each primitive was charged. */
  readonly price: readonly number[];
  readonly charged: number[] = new Array<number>(PRIM_COUNT).fill(0);
  /** Simulated ns of application compute (compute(ns) instructions), beside the primitives. */
  computeNs = 0;
  /** Simulated ns of kernel daemons' work. */
  daemonNs = 0;
  readonly code = new CodeMap();
  readonly trace: Trace;
  readonly cpus: Cpu[] = [];
  readonly dcbs: Dcb[] = [];
  readonly procs: KProcess[] = [];
  readonly events = new EventQueue();
  // --- the kernel scheduler's queues (ksched.ts) ---
  /** Per CPU: assigned activation vCPUs and daemons bound there; the head runs. */
  readonly runq: Dcb[][] = [];
  /** Ready time-shared kernel threads, FIFO, over the pool. */
  readonly tsq = new Deque<Dcb>();
  /** CPUs in the time-sharing pool. */
  readonly inPool: boolean[] = [];
  readonly ipiPending: boolean[] = [];
  readonly tickGen: number[] = [];
  readonly tickArmed: boolean[] = [];
  private nextSpace = 1;

  // --- counters (read by the report) ---
  upcalls = 0;
  interrupts = 0;
  preemptions = 0;
  syscalls = 0;
  faults = 0;
  kernelSwitches = 0;
  /** Blocking delays served (buffer-cache misses). */
  delays = 0;
  progress = 0;
  nextContextId = 1;
  readonly violations: Violation[] = [];
  violationCount = 0;
  stopped: KernelStop | null = null;
  /** Lowered by post() so the loop stops stepping a CPU before a new event. */
  horizon = Infinity;
  readonly disk: Disk;
  /** Bytes moved by one page-in. */
  readonly pageBytes = 4096;
  nextWaitId = 1;
  private nextActivationId = 1;
  /** Where every decision comes from (replaceable before the run, e.g. by an injection layer). */
  decisions: DecisionSource;
  /** Test-mode watcher (invariants, coverage); null in ordinary runs. */
  observer: KernelObserver | null = null;
  /** Pause-loop exit: preempt a CPU after this many failed atomics in a row (fair scheduling; Infinity = off). */
  spinLimit = Infinity;
  injected = 0;
  /** Preemptions deferred for a disabled dispatcher (criticalSections: 'prevent'). */
  deferred = 0;
  /** Pause-loop exits taken (fair scheduling). */
  pauseExits = 0;

  constructor(readonly opts: KernelOptions) {
    this.costs = opts.costs;
    this.price = costArray(opts.costs);
    this.decisions = opts.decisions;
    this.trace = new Trace(opts.recordTrace);
    this.disk = new Disk(opts.costs.diskLatency, opts.costs.diskPerKiB / 1024);
    for (let i = 0; i < opts.cpus; i++) {
      this.cpus.push(new Cpu(i, this));
      this.runq.push([]);
      this.inPool.push(false);
      this.ipiPending.push(false);
      this.tickGen.push(0);
      this.tickArmed.push(false);
    }
  }

  // --- processes ----------------------------------------------------------------------

  /**
   * Create a process whose dispatcher i sits on CPU cpuOf(i). Its dispatchers start
   * disabled (R6). A daemon runs in the kernel's address space; a heavyweight process
   * gives every kernel thread its own.
   */
  addProcess(name: string, vcpus: number, cpuOf: (i: number) => number, o: { heavyweight?: boolean; daemon?: boolean } = {}): KProcess {
    const p = new KProcess(this.procs.length, name);
    p.heavyweight = o.heavyweight === true;
    p.daemon = o.daemon === true;
    p.space = p.daemon ? 0 : this.nextSpace++;
    for (let i = 0; i < vcpus; i++) {
      const shared = new DispatcherShared(p.id, i, `${name}.v${i}`);
      shared.home = p.token;
      const d = new Dcb(this.dcbs.length, p, shared, cpuOf(i));
      d.space = p.heavyweight ? this.nextSpace++ : p.space;
      this.dcbs.push(d);
      p.dcbs.push(d);
    }
    this.procs.push(p);
    return p;
  }

  /** Give every vCPU of p a running activation from a pool of at most `max`. */
  enableActivations(p: KProcess, max: number): void {
    const pool = new ActivationPool(max, this.nextActivationId);
    this.nextActivationId += max;
    p.acts = pool; // vCPUs take their activations when the allocator assigns them
  }

  /** Has the user drained the latest notice about activation a? */
  readonly noticeSeen = (a: Activation): boolean => {
    if (a.noticeDcb < 0) return true;
    const d = this.dcbs[a.noticeDcb];
    return d === undefined || d.state === 'removed' || peekSeen(d) >= a.noticeSeq;
  };

  /** Invariant (scheduler activations): each live vCPU runs on exactly one running activation, and no other activation is running. */
  checkActivations(p: KProcess): void {
    if (p.acts === null || this.opts.checkInvariants !== true) return;
    const broken = this.activationsBreach(p);
    if (broken !== null) panic('checkActivations', broken);
  }

  /** The same invariant for every process (after every kernel event, when checking). */
  checkAllActivations(): void {
    if (this.opts.checkInvariants !== true) return;
    for (const p of this.procs) this.checkActivations(p);
  }

  /** What breaks "running activations = assigned vCPUs" in p, or null. */
  activationsBreach(p: KProcess): string | null {
    const pool = p.acts;
    if (pool === null || p.end.kind !== 'running') return null;
    let assigned = 0;
    for (const d of p.dcbs) {
      if (d.state === 'removed' || !d.assigned) continue;
      assigned++;
      const a = d.activation;
      if (a === null || a.state !== 'running' || a.dcb !== d.index) {
        return `${d.name} has no running activation of its own (activation ${a === null ? 'none' : `#${a.id} ${a.state} on dcb ${a.dcb}`}; state ${d.state}, revokePending ${String(d.revokePending)}, started ${String(d.started)})`;
      }
    }
    let running = 0;
    for (const a of pool.all) {
      if (a.state !== 'running') continue;
      const d = this.dcbs[a.dcb];
      if (d !== undefined && d.proc === p && d.state !== 'removed') running++;
    }
    return running === assigned ? null : `${p.name}: ${running} running activations but ${assigned} assigned vCPUs`;
  }

  registerRoutine(r: Routine): void {
    this.code.register(r);
  }

  /**
   * Start processes: the allocator gives them processors; each dispatcher first resumes
   * its prepared disabledArea (R6).
   */
  startAll(ps: readonly KProcess[]): void {
    startDisabled(ps);
    for (const p of ps) {
      for (const d of p.dcbs) if (p.acts === null) d.assigned = true; // kernel threads need no allocation
      if (p.acts === null && !p.daemon && p.cpus.length === 0) p.cpus = [...new Set(p.dcbs.map((d) => d.cpu))];
      p.started = true;
    }
    reallocate(this, 0);
    for (const p of ps) {
      if (p.acts !== null) continue;
      for (const d of p.dcbs) this.makeRunnable(d, 0, false);
    }
  }

  /** Start one process (kernel tests): every dispatcher is assigned where it was placed. */
  start(p: KProcess): void {
    if (p.acts !== null) {
      startDisabled([p]);
      for (const d of p.dcbs) {
        d.assigned = true;
        this.makeRunnable(d, 0, false);
      }
      p.started = true;
      return;
    }
    this.startAll([p]);
  }

  /**
   * Interrupt the vCPU of `d` (after an IPI) so it looks at its notices. At most one
   * kick is in flight per vCPU: notices that arrive meanwhile ride on it (otherwise a
   * disabled vCPU with several notices would be interrupted back to back and never run).
   */
  kick(d: Dcb, now: number): void {
    if (d.kickPending) return;
    d.kickPending = true;
    this.post(now + this.costs.ipi, { kind: 'kick', dcb: d.index });
  }

  sharedOf(cpu: Cpu): DispatcherShared {
    const d = this.dcbs[cpu.dcbIndex];
    return d === undefined ? panic('kernel.sharedOf', `cpu${cpu.index} runs no dispatcher`) : d.shared;
  }

  currentDcb(cpu: Cpu): Dcb {
    const d = this.dcbs[cpu.dcbIndex];
    return d === undefined ? panic('kernel', `cpu${cpu.index} runs no dispatcher`) : d;
  }

  /** Code-map address of what `cpu` is about to execute. */
  pcOf(cpu: Cpu): number {
    if (cpu.mode !== MODE_SM) return USER_PC;
    const r = cpu.routine as Routine;
    // Race tests ask before every instruction: the routine's base is kept on the CPU
    // until it runs another routine (a code-map lookup per instruction otherwise).
    if (r !== cpu.baseRoutine) {
      cpu.baseRoutine = r;
      cpu.base = this.code.baseOf(r);
    }
    return cpu.base + cpu.pc;
  }

  /** Code-map address of a saved context. */
  contextPc(ctx: Context): number {
    return this.code.contextPc(ctx);
  }

  /** R1 (protocol.ts). */
  treatAsDisabled(d: Dcb, pc: number): boolean {
    return treatAsDisabled(this, d, pc);
  }

  /**
   * Thread code on cpu touches `page`: true on a hit. A present page may still fault:
   * whether it was paged out just before is a decision (default: no), and then it is
   * evicted so the fault is served like any other.
   */
  access(cpu: Cpu, page: number): boolean {
    const p = this.currentDcb(cpu).proc;
    const r = p.residency;
    const resident = r !== null ? r.has(page) : p.mapped.has(page);
    const forced = decide(this.decisions, { kind: 'fault', cpu: cpu.index, page, resident, retry: cpu.retrying }) === 1;
    if (!resident) return false;
    if (!forced) {
      if (r !== null) r.touch(page);
      return true;
    }
    if (r !== null) r.evict(page);
    else p.mapped.delete(page);
    return false;
  }

  /** Queue a disk transfer for wait `wait` of process `proc`; an idle head starts it at once. */
  diskSubmit(now: number, bytes: number, wait: number, proc: number): void {
    this.diskStarted(now, this.disk.submit(now, bytes, wait, proc));
  }

  /** The head started `s` (null: nothing): trace it and post its completion. */
  diskStarted(now: number, s: DiskStart | null): void {
    if (s === null) return;
    this.trace.add(now, -1, 'disk', s.request.tag, s.done);
    this.post(s.done, { kind: 'io', wait: s.request.tag, proc: s.request.owner });
  }

  // --- run queues and dispatch ------------------------------------------------------

  post(time: number, ev: KernelEvent): void {
    this.events.push(time, ev);
    if (time < this.horizon) this.horizon = time;
  }

  /** d becomes runnable (woken remotely: an IPI's delay before an idle CPU notices). */
  makeRunnable(d: Dcb, now: number, remote: boolean): void {
    if (d.state !== 'blocked' || !d.assigned || d.inKernelWait) return;
    d.state = 'runnable';
    d.wakeupGen++;
    d.wakeupArmed = false;
    enqueue(this, d, now, remote);
  }

  /** Take d off its run queue for good or until made runnable again. */
  unqueue(d: Dcb, state: 'blocked' | 'removed'): void {
    if (d.state === 'runnable') dequeue(this, d);
    d.state = state;
  }

  /**
   * One kernel scheduling decision for `cpu` (charged as kernelSchedule): what it runs
   * next; with `rotate` (a quantum ended), what ran goes behind its competitors.
   */
  schedule(cpu: Cpu, rotate: boolean): Dcb | null {
    const cur = this.dcbs[cpu.dcbIndex];
    cpu.charge(kernelPath(P_K_SCHEDULE, cur !== undefined && cur.proc.heavyweight));
    return pickNext(this, cpu, rotate);
  }

  /** d is a kernel thread (never upcalled): the kernel's copy, and the user's read-only view of it. */
  makeKernelThread(d: Dcb): void {
    d.kthread = true;
    d.shared.kthread = true;
  }

  /** The activation d now runs on (0: none): the kernel's copy and the user's view. */
  publishActivation(d: Dcb, id: number): void {
    d.activationId = id;
    d.shared.activation = id;
  }

  /** Add a kernel thread to p, runnable at once (create-and-make-runnable is one kernel call), resuming `first`. */
  addKernelThread(p: KProcess, udisp: unknown, first: Context, cpu: number, now: number): Dcb {
    const shared = new DispatcherShared(p.id, p.dcbs.length, `${p.name}.kt${p.dcbs.length}`);
    shared.home = p.token;
    shared.udisp = udisp;
    shared.disabledArea = first;
    // A daemon's first "last CPU" spreads them over the CPUs; others start where created.
    const d = new Dcb(this.dcbs.length, p, shared, p.daemon ? p.dcbs.length % this.cpus.length : cpu);
    this.makeKernelThread(d);
    setKernelCopy(d, true);
    d.assigned = true;
    d.space = p.heavyweight ? this.nextSpace++ : p.space;
    noteEntries(d);
    this.dcbs.push(d);
    p.dcbs.push(d);
    this.makeRunnable(d, now, true);
    return d;
  }

  /** R3 (protocol.ts). */
  dispatch(cpu: Cpu, d: Dcb | null): void {
    dispatch(this, cpu, d);
  }

  /** R3's upcall (protocol.ts). */
  upcallRun(cpu: Cpu, d: Dcb): void {
    upcallRun(this, cpu, d);
  }

  /** R4 (protocol.ts), for the CPU. */
  pageFault(cpu: Cpu, page: number, cause: LandCause = 'access'): void {
    pageFault(this, cpu, page, cause);
  }

  trap(cpu: Cpu, code: string, detail: unknown): void {
    trap(this, cpu, code, detail);
  }

  // --- calls up the layering (see the header) ----------------------------------------

  notify(d: Dcb, ev: UpcallEvent): void {
    notify(d, ev);
  }

  blockThread(cpu: Cpu, d: Dcb, what: BlockWhat): boolean {
    return blockThread(this, cpu, d, what);
  }

  reallocate(now: number, prefer: Dcb | null = null): void {
    reallocate(this, now, prefer);
  }

  finishRevoke(d: Dcb, interrupted: Context | null, now: number): void {
    finishRevoke(this, d, interrupted, now);
  }

  armTick(cpu: Cpu): void {
    const i = cpu.index;
    const gen = (this.tickGen[i] as number) + 1;
    this.tickGen[i] = gen;
    this.tickArmed[i] = true;
    const j = this.opts.jitter > 0 ? decide(this.opts.decisions, { kind: 'jitter', cpu: i, max: this.opts.jitter }) : 0;
    this.post(cpu.time + this.costs.quantum + j, { kind: 'tick', cpu: i, gen });
  }

  /** What copy-in would refuse in d's record now (null: nothing), without acting on it. */
  recordFault(d: Dcb, cpu: Cpu | null): ProcessFault | null {
    return copyIn(this, d, cpu);
  }

  /** End p with a fault (containment.ts); `by`, the CPU that found it, runs something else. */
  faultProcess(p: KProcess, error: ThreadCrashError | ProcessFault, time: number, by: Cpu | null): void {
    faultProcess(this, p, error, time, by);
  }

  /** `d` broke a rule the kernel cannot deliver to it: its process is faulted (containment.ts) and `cpu` runs something else. */
  removeDispatcher(cpu: Cpu, d: Dcb, why: string): void {
    this.trace.add(cpu.time, cpu.index, 'dcb-removed', d.index, 0);
    const site = kernelSite(this, d, cpu, cpu.time);
    faultProcess(this, d.proc, new ProcessFault(why, site, null), cpu.time, cpu);
  }

  syscall(cpu: Cpu): void {
    handleSyscall(this, cpu);
  }

  // --- detection ----------------------------------------------------------------------

  violation(cpu: Cpu, layer: 1 | 2 | 3, what: string, pc: number = this.pcOf(cpu)): void {
    this.violationCount++;
    const v: Violation = { layer, what, time: cpu.time, cpu: cpu.index, pc: this.code.symbolize(pc) };
    if (this.violations.length < 200) this.violations.push(v);
    this.trace.add(cpu.time, cpu.index, 'violation', layer, 0);
    if (layer === 3 || this.opts.onViolation !== 'stop' || this.stopped !== null) return;
    // A violation is the fault of the process whose code found it. Alone on the machine,
    // it stops the run where it happened (what race tests replay); beside others, only
    // its process ends (thrown as a corruption, contained like layer 3) and they run on.
    let apps = 0;
    for (const p of this.procs) if (!p.daemon) apps++;
    if (apps <= 1) this.stopped = { kind: 'violation', violation: v };
    else {
      const e = new ContextCorruption(`detection layer ${layer}: ${what} (at ${v.pc}, t=${v.time}ns)`);
      e.dcb = cpu.dcbIndex; // found while saving or restoring its state: the CPU may be between contexts
      throw e;
    }
  }

  /**
   * No application process can run again: none has a runnable dispatcher, a pending
   * kernel wait or an armed wakeup (only kernel daemons keep the machine busy).
   */
  applicationsStuck(): boolean {
    for (const p of this.procs) {
      if (p.daemon || p.end.kind !== 'running') continue;
      if (p.waits.size > 0 && [...p.waits.values()].some((w) => w.what.kind !== 'ksem')) return false;
      for (const d of p.dcbs) if (d.state === 'runnable' || (d.state === 'blocked' && d.wakeupArmed)) return false;
    }
    return true;
  }

  /** After a process ended: when only kernel daemons are left, the run is over. */
  processEnded(): void {
    if (this.procs.some((p) => p.daemon) && this.procs.every((p) => p.daemon || p.end.kind !== 'running')) this.stop({ kind: 'finished' });
  }

  stop(s: KernelStop): void {
    if (this.stopped === null) this.stopped = s;
  }
}
