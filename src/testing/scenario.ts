/**
 * A scenario is what race tests run again and again: machine options, a setup that adds
 * the processes (building fresh program state every time), and a check of the report.
 * runScenario runs it once under a plan and says whether it failed and how, with the
 * run's replay string and schedule.
 *
 * Invariants:
 *  1. A failure is: the run did not complete (deadlock, livelock, limit, violation,
 *     invariant, fault), a thread died of an uncaught error, the simulator panicked, or
 *     check() returned false / a string / threw. `category` names its kind, so shrinking
 *     keeps the same failure.
 *  2. A ReplayError, PlanError or ConfigError is not a failure of the program: it is thrown;
 *     so is a thread's misuse of enterWindow/leaveWindow (a window is test setup).
 *  3. Same scenario, seed and plan answers => the same run and trace hash.
 */
import { ConfigError, KernelPanic } from '../../kernel-sim/errors';
import { combineObservers } from '../../kernel-sim/observer';
import { ArgumentError, RuntimePanic } from '../../runtime/errors';
import type { MachineOptions } from '../config';
import { Machine } from '../machine';
import { ProcessFault, ThreadCrashError } from '../../kernel-sim/errors';
import type { Report } from '../report';
import type { Coverage } from './coverage';
import { CoverageObserver } from './coverage';
import { PlanError, TestDecisions } from './decider';
import type { FiredEvent, Plan } from './decider';
import type { Schedule } from './plans';
import { ReplayError } from './replay';
import { Windows } from './windows';

export interface Scenario {
  readonly name?: string;
  /** Machine options; a strategy sets the seed (default: this seed, else 1). */
  readonly machine?: MachineOptions;
  /** Add the processes. Called once per run: build the program's state inside it. */
  setup(m: Machine): void;
  /** Judge a completed run: false or a message = failure (default: every run that completes passes). */
  check?(report: Report): boolean | string | undefined | void;
}

export interface RunOptions {
  readonly seed?: number;
  /** Answers for the run (default: the untested machine's). */
  readonly plan?: Plan;
  /** Windows whose instructions are counted (default: every instruction). */
  readonly windows?: readonly string[];
  /** Step-level invariants: all (true, the default), none (false) or the named ones. */
  readonly invariants?: boolean | readonly string[];
  /** Where to add this run's landings. */
  readonly coverage?: Coverage;
}

export interface RunResult {
  readonly ok: boolean;
  /** Why it failed, for a person; null when it passed. */
  readonly failure: string | null;
  /** The failure's kind (`invariant:no-double-slot`, `livelock`, `check`, `error:TypeError` ...). */
  readonly category: string | null;
  /** The report (null when the run threw). */
  readonly report: Report | null;
  /** What the run threw (a thread's uncaught error or a panic), else null. */
  readonly error: unknown;
  readonly seed: number;
  readonly replay: string;
  readonly schedule: Schedule;
  readonly traceHash: string;
  /** Instructions inside the windows, and of the applications in all. */
  readonly counted: number;
  readonly appSteps: number;
  /** Counted instructions of thread code (dispatcher code excluded), and the ordinals of (the first 100,000 of) them. */
  readonly userCounted: number;
  readonly userOrdinals: readonly number[];
  readonly fired: readonly FiredEvent[];
  /** CPUs that ran application code, and CPUs of the machine. */
  readonly cpusUsed: number;
  readonly machineCpus: number;
  /** Threads created. */
  readonly threads: number;
  /** The picks with a choice, in order: threads offered and counted instructions before each. */
  readonly picks: readonly { readonly width: number; readonly ordinal: number }[];
  /** Processes of the machine, and whether any is 1:1 (its threads are the kernel's to pick). */
  readonly processes: number;
  readonly oneToOne: boolean;
  /** Every process uses scheduler activations (an interrupt reaches its user-level scheduler). */
  readonly upcalls: boolean;
}

const NO_PLAN: Plan = { step: () => 0, choose: () => -1 };

export function scenarioSeed(s: Scenario): number {
  return s.machine?.seed ?? 1;
}

/** Run `scenario` once; see invariant 1 for what a failure is. */
export function runScenario(scenario: Scenario, o: RunOptions = {}): RunResult {
  const seed = o.seed ?? scenarioSeed(scenario);
  const windows = o.windows ?? [];
  const d = new TestDecisions(seed, o.plan ?? NO_PLAN, windows);
  const m = new Machine({ ...scenario.machine, seed, invariants: o.invariants ?? true }, d);
  scenario.setup(m);
  const inner = m.internals();
  d.attach(inner);
  const k = inner.kernel;
  const ulses = inner.processes.map((p) => p.uls);
  if (o.coverage !== undefined) k.observer = combineObservers(k.observer, new CoverageObserver(o.coverage, k, ulses, new Windows(windows, k.code)));
  let report: Report | null = null;
  let error: unknown = null;
  try {
    report = m.run();
  } catch (e) {
    if (e instanceof ReplayError || e instanceof ConfigError || e instanceof PlanError) throw e;
    error = e;
  }
  const misuse = windowMisuse(report);
  if (misuse !== null) throw new ConfigError(`${misuse} (race windows are test setup, not program behaviour: fix the scenario)`);
  const [failure, category] = judge(scenario, report, error);
  const used = new Set<number>();
  for (const p of inner.processes) for (const x of p.kp.dcbs) if (x.started) used.add(x.cpu);
  return {
    ok: failure === null, failure, category, report, error, seed,
    replay: d.replayString(),
    schedule: scheduleOf(d, windows),
    traceHash: report?.traceHash ?? k.trace.hex(),
    counted: d.counted, appSteps: d.appSteps, userCounted: d.userCounted, userOrdinals: d.userOrdinals, fired: d.fired.slice(),
    cpusUsed: Math.max(1, used.size),
    machineCpus: k.cpus.length,
    threads: ulses.reduce((a, u) => a + u.created, 0),
    picks: d.pickLog, processes: ulses.length, oneToOne: ulses.some((u) => u.mapping === '1:1'), upcalls: ulses.every((u) => u.mapping === 'activations'),
  };
}

/**
 * A process fault's category: what the thread died of (`error:TypeError`, `crash` for a
 * non-Error), `panic` when the runtime's or kernel's own checks failed inside the
 * process, else `fault` (a field the kernel refused, a fault it could not deliver).
 */
/** A thread that died of misusing enterWindow/leaveWindow: the message, else null. */
function windowMisuse(r: Report | null): string | null {
  if (r === null || r.outcome.kind !== 'fault') return null;
  const cause = (r.outcome.error as { cause?: unknown }).cause;
  return cause instanceof ArgumentError && /^(enter|leave)Window:/.test(cause.message) ? cause.message : null;
}

function judgeFault(error: ThreadCrashError | ProcessFault, process: string, message: string): [string, string] {
  const cause = (error as { cause?: unknown }).cause;
  if (error instanceof ThreadCrashError) {
    if (cause instanceof Error) return [`a thread died of ${cause.name}: ${cause.message} (${error.message})`, `error:${cause.name}`];
    return [error.message, 'crash'];
  }
  if (cause instanceof KernelPanic || cause instanceof RuntimePanic) return [`the simulator panicked: ${cause.message} (${message})`, 'panic'];
  return [`process ${process} faulted: ${message}`, 'fault'];
}

function judge(s: Scenario, r: Report | null, error: unknown): [string | null, string | null] {
  if (r === null) {
    const name = error instanceof Error ? error.name : typeof error;
    const msg = error instanceof Error ? error.message : String(error);
    if (error instanceof KernelPanic || error instanceof RuntimePanic) return [`the simulator panicked: ${msg}`, 'panic'];
    if (error instanceof ThreadCrashError) return [msg, 'crash'];
    return [`a thread died of ${name}: ${msg}`, `error:${name}`];
  }
  const o = r.outcome;
  switch (o.kind) {
    case 'completed':
      break;
    case 'invariant':
      return [`invariant ${o.breach.name} broken at step ${o.breach.step}, ${o.breach.pc} on cpu${o.breach.cpu} (t=${o.breach.time}ns): ${o.breach.what}`, `invariant:${o.breach.name}`];
    case 'violation':
      return [`detection layer ${o.violation.layer} at ${o.violation.pc} on cpu${o.violation.cpu}: ${o.violation.what}`, `violation:${o.violation.layer}`];
    case 'deadlock':
      return [`deadlock: ${o.blocked.map((b) => `${b.thread} waits for ${b.waitsFor}`).join('; ')}`, 'deadlock'];
    case 'livelock':
      return [`livelock: ${o.spinning.map((x) => `cpu${x.cpu} at ${x.pc}${x.spinningOn === null ? '' : ` spinning on ${x.spinningOn} held by ${x.heldBy ?? '?'}`}`).join('; ')}${o.lost.length > 0 ? `; lost ${o.lost.join(', ')}` : ''}`, 'livelock'];
    case 'limit':
      return [`${o.what} limit reached`, `limit:${o.what}`];
    case 'fault':
      return judgeFault(o.error, o.process, o.message);
    case 'panic':
      return [`the simulator panicked: ${o.message}`, 'panic'];
    default: {
      const never: never = o;
      return [`unknown outcome ${JSON.stringify(never)}`, 'unknown'];
    }
  }
  if (s.check === undefined) return [null, null];
  let verdict: boolean | string | undefined | void;
  try {
    verdict = s.check(r);
  } catch (e) {
    return [`check threw: ${e instanceof Error ? e.message : String(e)}`, 'check'];
  }
  if (verdict === false) return ['check failed', 'check'];
  if (typeof verdict === 'string') return [`check failed: ${verdict}`, 'check'];
  return [null, null];
}

/** The run's decisions in ordinal form (invariant: ordinals count the windows, or every instruction when an event fell outside them). */
function scheduleOf(d: TestDecisions, windows: readonly string[]): Schedule {
  const inside = d.fired.every((e) => e.ordinal > 0);
  return {
    seed: d.seed,
    windows: inside ? windows : [],
    events: d.fired.map((e) => (e.event === 'st' ? { event: e.event, step: inside ? e.ordinal : e.appStep, n: e.n } : { event: e.event, step: inside ? e.ordinal : e.appStep })),
    choices: d.choices.slice(),
  };
}
