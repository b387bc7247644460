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
 */
import { canRevoke } from '../../kernel-sim/allocation';
import { defaultAnswer, INJECT_IRQ, INJECT_NONE, INJECT_PF, INJECT_REVOKE } from '../../kernel-sim/decisions';
import type { DecisionPoint, DecisionSource, InjectKind } from '../../kernel-sim/decisions';
import { DecisionError } from '../../kernel-sim/errors';
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
}

/** A non-default answer to a machine decision (`fault`: a forced page fault at the nth touch decision). */
export interface Choice {
  readonly point: ChoiceName | 'fault';
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
}

/** One run's answers: a strategy's, a schedule's or a replay string's. */
export interface Plan {
  /** Called once the machine is built, before it runs. */
  bind?(d: TestDecisions): void;
  /** Before an instruction: what to land there (INJECT_NONE almost always). */
  step(p: StepPoint): InjectKind;
  /** A machine decision (the nth of its kind, 1-based): the answer, or -1 for the default. */
  choose(point: DecisionPoint, nth: number, d: TestDecisions): number;
}

/** Events a plan may land while no counted instruction runs (invariant 5). */
export const MAX_IN_A_ROW = 64;

/** A plan that misbehaves (lands events forever before one instruction). */
export class PlanError extends DecisionError {
  override readonly name: string = 'PlanError';
  override readonly code: string = 'ERR_PLAN';
}

export const EVENT_OF: Readonly<Record<number, EventName>> = { [INJECT_IRQ]: 'irq', [INJECT_PF]: 'pf', [INJECT_REVOKE]: 'rv' };
export const INJECT_OF: Readonly<Record<EventName, InjectKind>> = { irq: INJECT_IRQ, pf: INJECT_PF, rv: INJECT_REVOKE };

export class TestDecisions implements DecisionSource, StepPoint {
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
  private readonly nth: Record<'tie' | 'io' | 'victim' | 'fault', number> = { tie: 0, io: 0, victim: 0, fault: 0 };
  private inARow = 0;

  constructor(readonly seed: number, private readonly plan: Plan, readonly windowNames: readonly string[]) {
    this.rng = new Rng(seed);
    this.tokens = [{ kind: 'seed', seed }];
  }

  attach(m: MachineInternals): void {
    this.kernel = m.kernel;
    this.tracker = new Tracker(m.kernel, m.processes.map((p) => p.uls));
    this.windows = new Windows(this.windowNames, m.kernel.code);
    this.plan.bind?.(this);
  }

  decide(point: DecisionPoint): number {
    if (point.kind === 'jitter') return this.rng.int(0, point.max); // invariant 1
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
    if (ev !== INJECT_NONE) {
      if (++this.inARow > MAX_IN_A_ROW) {
        throw new PlanError(`the plan landed ${MAX_IN_A_ROW} events in a row, the last before ${this.kernel.code.symbolize(pc)} on cpu${cpuIndex} (counted instruction ${this.counted + 1}), and no counted instruction ran in between: a plan must fire each event once`);
      }
      const name = EVENT_OF[ev] as EventName;
      this.tokens.push({ kind: 'event', event: name, anchor: tr.anchorHere() });
      this.fired.push({ event: name, ordinal: this.ordinal, appStep: this.appSteps + 1 });
      return ev;
    }
    this.appSteps++;
    if (counted) {
      this.counted++;
      this.inARow = 0;
    }
    return INJECT_NONE;
  }

  canRevoke(): boolean {
    const c = this.kernel.cpus[this.cpu];
    const d = c === undefined ? undefined : this.kernel.dcbs[c.dcbIndex];
    return d !== undefined && canRevoke(d);
  }

  replayString(): string {
    return formatReplay(this.tokens);
  }
}
