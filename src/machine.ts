/**
 * Machine: the public facade that wires a simulated kernel (kernel-sim/) to one
 * user-level runtime per process (runtime/), runs the simulation and reports.
 *
 * Invariants:
 *  1. Configuration is validated when given (ConfigError), never mid-run.
 *  2. run() may be called once and always returns a report (completed, deadlock,
 *     livelock, limit, violation, fault, invariant, panic): a thread's error or a
 *     process's misbehaviour ends that process (kernel-sim/containment.ts), never the
 *     run. It throws only for misuse by the host program (ConfigError before the run,
 *     DecisionError from a decision source). A thread body that loops forever without
 *     yielding cannot be stopped in-process (JavaScript has no preemption): use
 *     runInWorker for a host-time watchdog.
 *  3. Deterministic: same options, programs and seed => same report and trace hash.
 *  4. A livelock is not declared while a thread sleeps or waits for a device (its
 *     wake-up is progress to come): the loop gets another budget instead.
 */
import { TraceRecorder } from './trace/recorder';
import type { Frame, Violation } from '../kernel-sim/abi';
import { ConfigError, ContextCorruption, DecisionError, describeThrown } from '../kernel-sim/errors';
import { containException } from '../kernel-sim/containment';
import { P_AS_SWITCH, PRIM_NAMES } from '../kernel-sim/costs';
import { decide, SeededDecisions } from '../kernel-sim/decisions';
import type { DecisionSource } from '../kernel-sim/decisions';
import { Kernel } from '../kernel-sim/kernel';
import type { KProcess } from '../kernel-sim/dcb';
import { activityOf, LoopState, runLoop } from '../kernel-sim/loop';
import { addDaemons } from '../kernel-sim/daemons';
import { combineObservers } from '../kernel-sim/observer';
import { InterruptAt } from '../kernel-sim/probe';
import { Residency } from '../kernel-sim/memory';
import { attachRuntime } from '../runtime/attach';
import { FifoPolicy } from '../runtime/policy/fifo';
import { LifoStealPolicy } from '../runtime/policy/lifo-steal';
import type { RunPolicy } from '../runtime/policy/policy';
import { ROUTINES } from '../runtime/routines/index';
import type { Code } from '../runtime/thread-api';
import type { Tcb } from '../runtime/tcb';
import type { Uls } from '../runtime/uls';
import { resolveMachine, resolveProcess } from './config';
import type { MachineOptions, ProcessOptions, ResolvedMachine } from './config';
import { diagnoseLivelock, diagnoseStuck, lostThreads, progressToCome } from './diagnose';
import type { Outcome, PrimitiveCharge, ProcessReport, Report, ThreadReport, WaitingThread } from './report';
import { StepInvariants } from './testing/invariants';

interface ProcEntry {
  readonly kp: KProcess;
  readonly uls: Uls;
}

/** What src/testing (and white-box tests) see of a machine: its kernel and per-process runtimes. */
export interface MachineInternals {
  readonly kernel: Kernel;
  readonly processes: readonly ProcEntry[];
}

export class Machine {
  readonly config: ResolvedMachine;
  private readonly kernel: Kernel;
  private readonly procs: ProcEntry[] = [];
  private placed = 0;
  private ran = false;
  private steps = 0;
  /** The paused loop of a run in progress (advance), or null. */
  private loop: LoopState | null = null;
  private finished: { kind: 'report'; report: Report } | null = null;
  /** MachineOptions.record: installed when the run starts (null: off, and free). */
  private recorder: TraceRecorder | null = null;
  /** The first corrupted context a process was faulted for (the run's outcome is then 'violation'). */
  private corrupted: Violation | null = null;

  constructor(options: MachineOptions = {}, decisions?: DecisionSource) {
    this.config = resolveMachine(options);
    const c = this.config;
    this.kernel = new Kernel({
      cpus: c.cpus, costs: c.costs, decisions: decisions ?? new SeededDecisions(c.seed), jitter: c.jitter,
      unsafeNoCritCheck: c.unsafeNoCritCheck, onViolation: c.onViolation, recordTrace: c.trace,
      checkInvariants: true,
    });
    for (const r of ROUTINES) this.kernel.registerRoutine(r);
    if (c.inject.length > 0) this.kernel.decisions = new InterruptAt(this.kernel.decisions, c.inject, this.kernel.code);
  }

  /** Internal: the kernel and the runtimes, for src/testing and white-box tests (not a stable API). */
  internals(): MachineInternals {
    return { kernel: this.kernel, processes: this.procs };
  }

  /** Add a process whose main thread runs main(...args). */
  process<Args extends unknown[]>(options: ProcessOptions, main: (...args: Args) => Code<unknown>, ...args: Args): this {
    if (this.ran) throw new ConfigError('Machine.process: the machine has already run');
    const p = resolveProcess(options, this.procs.length, this.config.cpus);
    if (typeof main !== 'function') throw new ConfigError(`process '${p.name}': main must be a generator function, got ${typeof main}`);
    const first = this.placed;
    const cpus = this.config.cpus;
    // M:N: one dispatcher per vCPU; N:1: one kernel thread; 1:1: the main thread's
    // kernel thread (more are created at spawn, on the process's CPUs).
    const dispatchers = p.mapping === 'M:N+SA' || p.mapping === 'M:N' ? p.vcpus : 1;
    const kp = this.kernel.addProcess(p.name, dispatchers, (i) => (first + i) % cpus, { heavyweight: p.heavyweight });
    // Time-shared processes: the CPUs their kernel threads may run on (their affinity).
    kp.cpus = Array.from({ length: p.vcpus }, (_, i) => (first + i) % cpus);
    this.placed += p.vcpus;
    kp.demand = p.mapping === 'N:1' ? 1 : p.vcpus;
    if (p.mapping === 'M:N+SA') this.kernel.enableActivations(kp, p.maxActivations);
    else {
      for (const d of kp.dcbs) {
        d.assigned = true;
        this.kernel.makeKernelThread(d);
      }
    }
    if (p.residentPages !== null) kp.residency = new Residency(p.residentPages);
    const policy: RunPolicy = p.policy === 'fifo' ? new FifoPolicy() : new LifoStealPolicy(p.vcpus);
    const uls = attachRuntime(kp.dcbs.map((d) => d.shared), {
      process: kp.id, name: p.name, policy, code: this.kernel.code,
      mapping: p.mapping === 'M:N+SA' ? 'activations' : p.mapping === '1:1' ? '1:1' : 'kernel-threads',
      criticalSections: p.criticalSections,
      spinYield: this.config.spinLimit,
      onThreadError: p.onThreadError,
      main: () => {
        const g = main(...args);
        if (g === null || typeof g !== 'object' || typeof g.next !== 'function') {
          throw new ConfigError(`process '${p.name}': main must be a generator function (function*)`);
        }
        return g as Frame;
      },
    });
    uls.keepReleased = this.config.keepThreadRecords;
    // a decision source that asks for picks answers which ready thread runs next (src/testing's
    // replaces this hook with one that records the thread's path)
    const src = this.kernel.decisions;
    if (src.picks === true) uls.pick = (vcpu, order) => decide(src, { kind: 'pick', process: kp.id, vcpu, threads: order.map((t) => t.id) });
    this.procs.push({ kp, uls });
    return this;
  }

  /** Run until every process finishes, or the run cannot go on; then report. */
  run(): Report {
    if (this.ran && this.loop === null) throw new ConfigError('Machine.run: a machine runs once; build a new Machine to run again');
    while (!this.advance(Infinity)) { /* advance() runs it to the end */ }
    const r = this.finished;
    if (r === null) throw new Error('Machine.run: the run ended without a report');
    this.loop = null;
    return r.report;
  }

  /**
   * Run up to `instructions` more simulated instructions (starting the run on the first
   * call); true once the run has ended, and run() then returns its report. Two machines
   * advanced alternately run exactly as each would alone.
   */
  advance(instructions: number): boolean {
    if (this.finished !== null) return true;
    if (typeof instructions !== 'number' || !(instructions >= 1)) throw new ConfigError(`Machine.advance: instructions must be a number >= 1, got ${String(instructions)}`);
    const k = this.kernel;
    if (this.loop === null) {
      if (this.ran) throw new ConfigError('Machine.run: a machine runs once; build a new Machine to run again');
      if (this.procs.length === 0) throw new ConfigError('Machine.run: no process was added (call machine.process(...) first)');
      this.ran = true;
      if (this.config.daemons !== null) addDaemons(k, this.config.daemons);
      if (this.config.invariants.length > 0) k.observer = combineObservers(k.observer, new StepInvariants(k, this.procs.map((p) => p.uls), this.config.invariants));
      k.spinLimit = this.config.spinLimit * 4; // pause-loop exit well after a fair SpinLock waiter yields
      // Thread labels name their process when there is more than one.
      if (this.procs.length > 1) for (const p of this.procs) p.uls.labelPrefix = `${p.kp.name}/`;
      if (this.config.record !== null) this.recorder = new TraceRecorder(k, this.procs.map((p) => p.uls), this.procs.map((p) => p.kp.name), this.config.record);
      k.startAll(this.procs.map((p) => p.kp));
      this.loop = new LoopState();
    }
    let outcome: Outcome | null = null;
    let endTime = 0;
    const loop = this.loop;
    const start = loop.steps;
    while (outcome === null) {
      try {
        const left = instructions - (loop.steps - start);
        const r = runLoop(k, { maxSteps: this.config.maxSteps, maxTime: this.config.maxTime, livelockSteps: this.config.livelockSteps }, loop, left);
        if (r.end.kind === 'paused') return false;
        if (r.end.kind === 'livelock' && loop.eventsSinceStep <= this.config.livelockSteps && progressToCome(this.procs)) {
          // Polling (spinning, yielding) while a thread sleeps or waits for a device is
          // no livelock: its wake-up is progress to come. Give the run another budget.
          loop.lastProgressStep = loop.appSteps;
          continue;
        }
        endTime = r.time;
        this.steps = r.steps;
        outcome = this.outcomeOf(r.end);
      } catch (e) {
        if (e instanceof DecisionError || e instanceof ConfigError) throw e; // the host program's mistake
        if (e instanceof ContextCorruption && this.corrupted === null) this.corrupted = k.violations[k.violations.length - 1] ?? null;
        // The process whose code was running is faulted and the others go on; with
        // nobody to blame, the run ends in a panic (still with a report).
        if (!containException(k, loop.stepping, loop.event, e)) {
          endTime = Math.max(...k.cpus.map((c) => c.time));
          this.steps = loop.steps;
          outcome = { kind: 'panic', message: `the simulator failed outside any process: ${describeThrown(e)}`, error: e };
        }
        loop.stepping = -1;
        loop.event = null;
      }
    }
    // When every process has ended, the run ended with the last of them (idle vCPUs
    // winding down afterwards are not part of the program's time).
    const ends = this.procs.map((p) => p.kp.end);
    let last = 0;
    for (const e of ends) if (e.kind !== 'running') last = Math.max(last, e.time);
    if (ends.every((e) => e.kind !== 'running')) endTime = last;
    if (this.corrupted !== null && outcome.kind !== 'violation' && outcome.kind !== 'panic') outcome = { kind: 'violation', violation: this.corrupted };
    this.finished = { kind: 'report', report: this.report(outcome, endTime) };
    return true;
  }

  private outcomeOf(end: ReturnType<typeof runLoop>['end']): Outcome {
    const k = this.kernel;
    switch (end.kind) {
      case 'stopped': {
        const s = k.stopped;
        if (s !== null && s.kind === 'violation') return { kind: 'violation', violation: s.violation };
        if (s !== null && s.kind === 'invariant') return { kind: 'invariant', breach: s.breach, replay: k.decisions.replayString?.() ?? `s${this.config.seed}` };
        if (s !== null && s.kind === 'finished') return this.outcomeOf({ kind: 'drained' });
        return { kind: 'completed' };
      }
      case 'livelock': {
        const loop = this.loop as LoopState;
        const live = this.procs.filter((p) => p.kp.end.kind === 'running').map((p) => p.uls);
        const lost = this.procs.flatMap((p) => lostThreads(p.uls));
        const events = loop.eventsSinceStep > this.config.livelockSteps ? loop.eventsSinceStep : 0;
        return diagnoseLivelock(live, end.spinning, lost, this.waiting(), loop.lastProgressTime, { steps: loop.appSteps - loop.lastProgressStep, events });
      }
      case 'paused':
        throw new Error('Machine: a paused loop has no outcome');
      case 'limit':
        return { kind: 'limit', what: end.what, activity: activityOf(k), waiting: this.waiting() };
      case 'drained': {
        for (const p of this.procs) {
          if (p.kp.end.kind === 'fault') return { kind: 'fault', process: p.kp.name, message: p.kp.end.message, error: p.kp.end.error };
        }
        const stuck = diagnoseStuck(this.procs.filter((p) => p.kp.end.kind === 'running').map((p) => p.uls));
        return stuck ?? { kind: 'completed' };
      }
      default: {
        const never: never = end;
        throw new Error(`Machine: unknown loop end ${JSON.stringify(never)}`);
      }
    }
  }

  /** Unfinished threads that have waited longest in their state (ready or blocked) at the end: starvation shows here. */
  private waiting(): WaitingThread[] {
    const now = Math.max(...this.kernel.cpus.map((c) => c.time));
    const out: WaitingThread[] = [];
    for (const { uls } of this.procs) {
      for (const t of uls.unreleased()) {
        if (t.state === 'ready' || t.state === 'blocked') out.push({ thread: t.label, state: t.state, for: Math.max(0, now - t.since), ran: t.runTime });
      }
    }
    return out.sort((a, b) => b.for - a.for).slice(0, 8);
  }

  private report(outcome: Outcome, endTime: number): Report {
    const k = this.kernel;
    const processes: ProcessReport[] = this.procs.map(({ kp, uls }) => ({
      name: kp.name,
      end: kp.end,
      mainResult: uls.mainThread?.result,
      threadSwitches: uls.switches,
      memory: kp.residency === null ? null : {
        residentPages: kp.residency.limit, hits: kp.residency.hits, faults: kp.residency.faults, evictions: kp.residency.evictions,
      },
      activations: kp.acts === null ? null : { created: kp.acts.all.length, reused: kp.acts.reused, exhausted: kp.acts.exhausted },
      recoveries: uls.recoveries,
      ...threadRecords(uls, endTime),
      vcpus: kp.dcbs.map((d, i) => {
        const busy = d.busy + (d.onCpuSince >= 0 ? Math.max(0, endTime - d.onCpuSince) : 0);
        return { vcpu: i, cpu: d.cpu, busy, utilization: endTime > 0 ? Math.min(1, busy / endTime) : 0, runUpcalls: uls.vcpus[i]?.runUpcalls ?? 0 };
      }),
    }));
    return {
      ok: outcome.kind === 'completed',
      outcome,
      endTime,
      processes,
      counts: {
        instructions: this.steps,
        upcalls: k.upcalls,
        interrupts: k.interrupts,
        preemptions: k.preemptions,
        syscalls: k.syscalls,
        faults: k.faults,
        kernelCrossings: k.syscalls + k.preemptions + k.faults,
        kernelSwitches: k.kernelSwitches,
        threadSwitches: this.procs.reduce((a, p) => a + p.uls.switches, 0),
        diskRequests: k.disk.requests,
        spins: k.cpus.reduce((a, c) => a + c.spins, 0),
        pauseExits: k.pauseExits,
        deferredPreemptions: k.deferred,
        injected: k.injected,
        addressSpaceSwitches: k.charged[P_AS_SWITCH] as number,
        delays: k.delays,
      },
      primitives: breakdown(k),
      violations: k.violations.slice(),
      violationCount: k.violationCount,
      traceHash: k.trace.hex(),
      traceEvents: k.trace.count,
      trace: k.trace.events,
      records: this.recorder === null ? null : this.recorder.result(endTime),
    };
  }
}

/**
 * The per-thread records of a process: every thread not yet released (live, or exited
 * and unjoined) and the released ones the process kept (MachineOptions.keepThreadRecords),
 * by id; and how many records were dropped.
 */
function threadRecords(uls: Uls, endTime: number): Pick<ProcessReport, 'threads' | 'threadRecords'> {
  // Both lists are in id order: the live map by creation; the kept ones sorted (at most the cap).
  const kept = uls.released.slice().sort((a, b) => a.id - b.id);
  const out: ThreadReport[] = [];
  let i = 0;
  for (const t of uls.unreleased()) {
    while (i < kept.length && (kept[i] as Tcb).id < t.id) out.push(threadRecord(kept[i++] as Tcb, endTime));
    out.push(threadRecord(t, endTime));
  }
  while (i < kept.length) out.push(threadRecord(kept[i++] as Tcb, endTime));
  return { threads: out, threadRecords: { created: uls.created, kept: out.length, dropped: uls.droppedRecords, cap: uls.keepReleased } };
}

function threadRecord(t: Tcb, endTime: number): ThreadReport {
  const open = t.state === 'exited' ? 0 : Math.max(0, endTime - t.since);
  return {
    id: t.id, name: t.name, state: t.state, result: t.result, created: t.created, finished: t.finished,
    runTime: t.runTime + (t.state === 'running' ? open : 0),
    readyTime: t.readyTime + (t.state === 'ready' ? open : 0),
    blockedTime: t.blockedTime + (t.state === 'blocked' ? open : 0),
    switches: t.switches,
    error: t.crash,
  };
}

/** What the run charged, primitive by primitive (count > 0), and the application's compute. */
function breakdown(k: Kernel): PrimitiveCharge[] {
  const out: PrimitiveCharge[] = [];
  PRIM_NAMES.forEach((name, i) => {
    const count = k.charged[i] as number;
    if (count > 0) out.push({ name, count, ns: count * (k.price[i] as number) });
  });
  if (k.computeNs > 0) out.push({ name: 'compute', count: 1, ns: k.computeNs });
  if (k.daemonNs > 0) out.push({ name: 'daemons', count: 1, ns: k.daemonNs });
  return out;
}
