/**
 * TestDecisions: the one decision source of a test run. Every choice the machine may
 * vary goes through it (ties, timer jitter, disk order, allocator victims, forced page
 * faults, and before every instruction whether an event lands); a Plan (a strategy's
 * run, a schedule or a replay string) answers, and every non-default answer is recorded
 * twice: as a replay token (semantic) and as a schedule entry (ordinal, for shrinking).
 *
 * Invariants:
 *  1. Jitter comes from the seed alone (as in SeededDecisions), so `s<seed>` plus the
 *     recorded tokens reproduce the run.
 *  2. Only non-default answers are recorded; the default answer is what an untested
 *     machine would do.
 *  3. Counted steps are the instructions inside the selected windows; `ordinal` is the
 *     1-based number of the instruction about to run among them (0 when outside).
 *  4. A revocation is landed only where it applies (canRevoke); a plan asking for one
 *     elsewhere gets nothing landed and nothing recorded.
 *  5. A plan cannot stall a run: landing more than MAX_IN_A_ROW events while no counted
 *     instruction runs is a PlanError (a bug in the plan, not in the program).
 *  6. Picks: every user-level scheduler decision with more than one ready thread is a
 *     `pick` point (the ready threads in the policy's order, answer 0 = the policy's own
 *     choice); a non-default answer is recorded by the path of the thread taken.
 *  7. A stall lands only where another CPU is busy to run meanwhile (canStall), and a page
 *     fault only in thread code that runs enabled (pfAllowed): in disabled code it is fatal
 *     by design, so a strategy's is dropped and a strict plan's (a replay string, `at`) is a
 *     ConfigError naming the point.
 */
import { canRevoke } from '../../kernel-sim/allocation';
import { MODE_IDLE } from '../../kernel-sim/cpu';
import type { Cpu } from '../../kernel-sim/cpu';
import { decide, defaultAnswer, INJECT_IRQ, INJECT_NONE, INJECT_PF, INJECT_REVOKE, INJECT_STALL } from '../../kernel-sim/decisions';
import type { DecisionPoint, DecisionSource, InjectKind } from '../../kernel-sim/decisions';
import { ConfigError, DecisionError } from '../../kernel-sim/errors';
import type { Tcb } from '../../runtime/tcb';
import type { Kernel } from '../../kernel-sim/kernel';
import { Rng } from '../../kernel-sim/rng';
import type { MachineInternals } from '../machine';
import { formatReplay } from './replay';
import type { ChoiceName, EventName, Token } from './replay';
import { Tracker } from './tracker';
import { Windows } from './windows';

/** An event a run landed: which, at which counted ordinal (0: outside the windows) and application step. */
export interface FiredEvent {
  readonly event: EventName;
  readonly ordinal: number;
  readonly appStep: number;
  /** A stall's length (0 for the other events). */
  readonly n: number;
}

/** A non-default answer to a machine decision (`fault`: a forced page fault at the nth touch decision; `pick`: the nth pick). */
export interface Choice {
  readonly point: ChoiceName | 'fault' | 'pick';
  readonly nth: number;
  readonly answer: number;
}

/** What a plan sees before each instruction. */
export interface StepPoint {
  readonly cpu: number;
  readonly pc: number;
  readonly ordinal: number;
  readonly tracker: Tracker;
  canRevoke(): boolean;
  canStall(): boolean;
  pfAllowed(): boolean;
}

/** One run's answers: a strategy's, a schedule's or a replay string's. */
export interface Plan {
  /** Called once the machine is built, before it runs. */
  bind?(d: TestDecisions): void;
  /** Before an instruction: what to land there (INJECT_NONE almost always). */
  step(p: StepPoint): InjectKind;
  /**
   * A machine decision (the nth of its kind, 1-based): the answer, or -1 for the default.
   * For a `pick`, d.pickOrder holds the ready threads offered.
   */
  choose(point: DecisionPoint, nth: number, d: TestDecisions): number;
  /** The length of the stall this plan's step just asked for (default DEFAULT_STALL). */
  stallLength?(): number;
  /** A replay string or `at`: an event that cannot land where it names is a ConfigError, not dropped. */
  readonly strict?: boolean;
}

/** A stall's length when the plan gives none: long enough for another CPU to get well into its work. */
export const DEFAULT_STALL = 200;

/** Thread-code ordinals a run keeps (TestDecisions.userOrdinals). */
const USER_ORDINALS = 100_000;

/** Events a plan may land while no counted instruction runs (invariant 5). */
export const MAX_IN_A_ROW = 64;

/** A plan that misbehaves (lands events forever before one instruction). */
export class PlanError extends DecisionError {
  override readonly name: string = 'PlanError';
  override readonly code: string = 'ERR_PLAN';
}

export const EVENT_OF: Readonly<Record<number, EventName>> = { [INJECT_IRQ]: 'irq', [INJECT_PF]: 'pf', [INJECT_REVOKE]: 'rv', [INJECT_STALL]: 'st' };
export const INJECT_OF: Readonly<Record<EventName, InjectKind>> = { irq: INJECT_IRQ, pf: INJECT_PF, rv: INJECT_REVOKE, st: INJECT_STALL };

export class TestDecisions implements DecisionSource, StepPoint {
  readonly picks = true;
  // --- the current point (StepPoint) ---
  cpu = 0;
  pc = 0;
  ordinal = 0;
  // --- bound by attach() ---
  tracker!: Tracker;
  kernel!: Kernel;
  private windows!: Windows;
  private readonly rng: Rng;
  // --- the record ---
  readonly tokens: Token[];
  readonly fired: FiredEvent[] = [];
  readonly choices: Choice[] = [];
  /** Counted (in-window) and application instructions executed. */
  counted = 0;
  appSteps = 0;
  /** Counted instructions of thread code (not dispatcher code): PCT's k. */
  userCounted = 0;
  /** The ordinals of the first USER_ORDINALS of those (where a preemption can switch threads: shrink.ts). */
  readonly userOrdinals: number[] = [];
  private readonly nth: Record<'tie' | 'io' | 'victim' | 'fault' | 'pick', number> = { tie: 0, io: 0, victim: 0, fault: 0, pick: 0 };
  private inARow = 0;
  private stallLen = DEFAULT_STALL;
  /** The ready threads of the pick being decided (invariant 6). */
  pickOrder: readonly Tcb[] = [];
  /** Picks offered (points with a choice): how many threads each offered, and the counted instructions before it. */
  readonly pickLog: { readonly width: number; readonly ordinal: number }[] = [];

  constructor(readonly seed: number, private readonly plan: Plan, readonly windowNames: readonly string[]) {
    this.rng = new Rng(seed);
    this.tokens = [{ kind: 'seed', seed }];
  }

  attach(m: MachineInternals): void {
    this.kernel = m.kernel;
    this.tracker = new Tracker(m.kernel, m.processes.map((p) => p.uls));
    this.windows = new Windows(this.windowNames, m.kernel.code);
    m.processes.forEach((p, proc) => {
      p.uls.paths = new Map();
      p.uls.pick = (vcpu, order) => this.pick(proc, vcpu, order);
    });
    this.plan.bind?.(this);
  }

  /** A pick (invariant 6), asked by the runtime through the process's pick hook. */
  private pick(proc: number, vcpu: number, order: readonly Tcb[]): number {
    this.pickOrder = order;
    this.pickLog.push({ width: order.length, ordinal: this.counted });
    return decide(this, { kind: 'pick', process: proc, vcpu, threads: order.map((t) => t.id) });
  }

  decide(point: DecisionPoint): number {
    if (point.kind === 'jitter') return this.rng.int(0, point.max); // invariant 1
    if (point.kind === 'stall') return Math.min(point.max, this.stallLen);
    if (point.kind === 'fault' && point.retry) return 0; // a retry after a page-in is not a new touch
    const n = ++this.nth[point.kind];
    const asked = this.plan.choose(point, n, this);
    if (point.kind === 'fault') {
      const who = this.tracker.touch(point.cpu, point.page);
      if (asked !== 1 || !point.resident || who === null) return 0;
      this.tokens.push({ kind: 'touch', at: who.at, page: point.page, nth: who.nth });
      this.choices.push({ point: 'fault', nth: n, answer: 1 });
      return 1;
    }
    const def = defaultAnswer(point);
    if (asked < 0 || asked === def) return def;
    if (point.kind === 'pick') {
      const t = this.pickOrder[asked];
      if (t === undefined) return def; // out of range: decide() names it
      this.tokens.push({ kind: 'pick', nth: n, thread: { proc: point.process, path: t.path ?? `T${t.id}` } });
      this.choices.push({ point: 'pick', nth: n, answer: asked });
      return asked;
    }
    this.tokens.push({ kind: 'choice', point: point.kind, nth: n, answer: asked });
    this.choices.push({ point: point.kind, nth: n, answer: asked });
    return asked;
  }

  beforeStep(cpuIndex: number, pc: number): InjectKind {
    const tr = this.tracker;
    if (!tr.arrive(cpuIndex, pc)) return INJECT_NONE;
    const counted = this.windows.contains(tr.cpu as NonNullable<Tracker['cpu']>, pc, tr.tcb);
    this.cpu = cpuIndex;
    this.pc = pc;
    this.ordinal = counted ? this.counted + 1 : 0;
    let ev = this.plan.step(this);
    if (ev === INJECT_REVOKE && !this.canRevoke()) ev = INJECT_NONE; // invariant 4
    if (ev === INJECT_STALL && !this.canStall()) ev = INJECT_NONE; // invariant 7
    if (ev === INJECT_PF && !this.pfAllowed()) {
      if (this.plan.strict === true) {
        throw new ConfigError(`a page fault cannot land before ${this.kernel.code.symbolize(pc)} on cpu${cpuIndex}: that point runs disabled (dispatcher code or a critical section of the user level), where a page fault is fatal to the process by design; land it in thread code that runs enabled`);
      }
      ev = INJECT_NONE;
    }
    if (ev !== INJECT_NONE) {
      if (++this.inARow > MAX_IN_A_ROW) {
        throw new PlanError(`the plan landed ${MAX_IN_A_ROW} events in a row, the last before ${this.kernel.code.symbolize(pc)} on cpu${cpuIndex} (counted instruction ${this.counted + 1}), and no counted instruction ran in between: a plan must fire each event once`);
      }
      const name = EVENT_OF[ev] as EventName;
      let n = 0;
      if (ev === INJECT_STALL) n = this.stallLen = Math.max(1, Math.floor(this.plan.stallLength?.() ?? DEFAULT_STALL));
      this.tokens.push({ kind: 'event', event: name, anchor: tr.anchorHere(), n });
      this.fired.push({ event: name, ordinal: this.ordinal, appStep: this.appSteps + 1, n });
      return ev;
    }
    this.appSteps++;
    if (counted) {
      this.counted++;
      if (tr.tcb !== null && ++this.userCounted <= USER_ORDINALS) this.userOrdinals.push(this.counted);
      this.inARow = 0;
    }
    return INJECT_NONE;
  }

  canRevoke(): boolean {
    const c = this.kernel.cpus[this.cpu];
    const d = c === undefined ? undefined : this.kernel.dcbs[c.dcbIndex];
    return d !== undefined && canRevoke(d);
  }

  /** Invariant 7: another CPU is busy (a stall is time it runs while this one waits). */
  canStall(): boolean {
    for (const c of this.kernel.cpus) if (c.index !== this.cpu && c.mode !== MODE_IDLE) return true;
    return false;
  }

  /** Invariant 7: the point is thread code running enabled. */
  pfAllowed(): boolean {
    const tr = this.tracker;
    if (tr.tcb === null) return false;
    const s = (tr.cpu as Cpu).shared;
    return tr.tcb.spinDepth === 0 && (s === null || s.disabled === 0 || s.kthread);
  }

  replayString(): string {
    return formatReplay(this.tokens);
  }
}
