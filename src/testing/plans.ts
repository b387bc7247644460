/**
 * Two plans every strategy builds on. A Schedule is the ordinal form of a run's
 * decisions (events at counted-step ordinals, non-default choices by ordinal): what
 * shrinking and the fast-check arbitrary work on. A replay plan follows the semantic
 * tokens of a replay string and says, token by token, what did not happen.
 *
 * Invariants:
 *  1. A schedule's answers are taken modulo the point's range, and at most MAX_IN_A_ROW-1
 *     of its events land at one ordinal (any generated value is a valid schedule); a
 *     replay token's answer must be in range (else ReplayError).
 *  2. A replay plan fires each event token at most once, at the first point its anchor
 *     matches, in token order among tokens with the same anchor.
 *  3. After a replayed run, every token that did not fire is reported (stale()).
 */
import { resolvePc } from '../../kernel-sim/probe';
import { INJECT_NONE, INJECT_PF, INJECT_REVOKE, INJECT_STALL, rangeOf } from '../../kernel-sim/decisions';
import type { DecisionPoint, InjectKind } from '../../kernel-sim/decisions';
import type { Choice, Plan, StepPoint, TestDecisions } from './decider';
import { DEFAULT_STALL, INJECT_OF, MAX_IN_A_ROW } from './decider';
import { formatThread, formatToken, ReplayError } from './replay';
import type { Anchor, EventName, Token } from './replay';

export interface ScheduledEvent {
  readonly event: EventName;
  /** Counted-step ordinal (1-based) the event lands before. */
  readonly step: number;
  /** A stall's length (default DEFAULT_STALL). */
  readonly n?: number;
}

export interface Schedule {
  readonly seed: number;
  /** The windows whose instructions the ordinals count (empty: every instruction). */
  readonly windows: readonly string[];
  readonly events: readonly ScheduledEvent[];
  readonly choices: readonly Choice[];
}

/** Lands a schedule's events at their ordinals and answers its choices. */
export class SchedulePlan implements Plan {
  private readonly events: ScheduledEvent[];
  private next = 0;
  private lastStep = 0;
  private inARow = 0;
  private stall = 0;
  /** Events that could not land: a revocation with no vCPU to revoke, or too many at one ordinal. */
  skipped = 0;
  private readonly choices = new Map<string, number>();

  constructor(s: Schedule) {
    this.events = [...s.events].sort((a, b) => a.step - b.step);
    for (const c of s.choices) this.choices.set(`${c.point}#${c.nth}`, c.answer);
  }

  step(p: StepPoint): InjectKind {
    if (p.ordinal === 0) return INJECT_NONE;
    while (this.next < this.events.length) {
      const e = this.events[this.next] as ScheduledEvent;
      if (e.step > p.ordinal) return INJECT_NONE;
      this.next++;
      if (e.step < p.ordinal) continue; // an ordinal already passed (only after skipped events)
      if (p.ordinal === this.lastStep && ++this.inARow >= MAX_IN_A_ROW) {
        this.skipped++;
        continue;
      }
      if (p.ordinal !== this.lastStep) {
        this.lastStep = p.ordinal;
        this.inARow = 1;
      }
      const kind = INJECT_OF[e.event];
      if ((kind === INJECT_REVOKE && !p.canRevoke()) || (kind === INJECT_STALL && !p.canStall()) || (kind === INJECT_PF && !p.pfAllowed())) {
        this.skipped++;
        continue;
      }
      this.stall = e.n ?? DEFAULT_STALL;
      return kind;
    }
    return INJECT_NONE;
  }

  stallLength(): number {
    return this.stall;
  }

  choose(point: DecisionPoint, nth: number): number {
    const a = this.choices.get(`${point.kind}#${nth}`);
    if (a === undefined) return -1;
    return point.kind === 'fault' ? a % 2 : a % rangeOf(point);
  }
}

interface Pending {
  readonly index: number;
  readonly token: Token;
  /** Resolved code address of a pc anchor. */
  readonly pc: number;
  fired: boolean;
}

/** Follows a replay string's tokens (the seed excluded). */
export class ReplayPlan implements Plan {
  readonly strict: boolean;
  private readonly events: Pending[] = [];
  private readonly choices = new Map<string, Pending>();
  private readonly picks = new Map<number, Pending>();
  private stall = 0;
  private readonly touches = new Map<string, Pending>();
  private d: TestDecisions | null = null;

  /**
   * `lenient` (shrinking): a token that cannot act where it fires (a stall or revocation
   * with nothing to land on, a pick of a thread not ready) is skipped instead of an error.
   */
  constructor(private readonly tokens: readonly Token[], private readonly lenient = false) {
    this.strict = !lenient;
  }

  bind(d: TestDecisions): void {
    this.d = d;
    const cpus = d.kernel.cpus.length;
    this.tokens.forEach((t, i) => {
      if (t.kind === 'seed') return;
      const text = formatToken(t);
      const n = i + 1;
      if (t.kind === 'event') {
        let pc = 0;
        if (t.anchor.kind === 'pc') {
          const at = t.anchor.offset === 0 ? t.anchor.symbol : `${t.anchor.symbol}+${t.anchor.offset}`;
          const r = resolvePc(d.kernel.code, at);
          if (typeof r === 'string') throw new ReplayError(`replay token ${n} '${text}': ${r}`, n, text);
          if (t.anchor.cpu >= cpus) throw new ReplayError(`replay token ${n} '${text}': the machine has ${cpus} CPU(s), no cpu${t.anchor.cpu}`, n, text);
          pc = r;
        }
        this.events.push({ index: n, token: t, pc, fired: false });
      } else if (t.kind === 'pick') {
        if (this.picks.has(t.nth)) throw new ReplayError(`replay token ${n} '${text}': pick #${t.nth} is given twice`, n, text);
        this.picks.set(t.nth, { index: n, token: t, pc: 0, fired: false });
      } else if (t.kind === 'choice') {
        const key = `${t.point}#${t.nth}`;
        if (this.choices.has(key)) throw new ReplayError(`replay token ${n} '${text}': decision ${key} is given twice`, n, text);
        this.choices.set(key, { index: n, token: t, pc: 0, fired: false });
      } else {
        const key = `${t.at.proc}.${t.at.path}.${t.page}#${t.nth}`;
        if (this.touches.has(key)) throw new ReplayError(`replay token ${n} '${text}': that touch is given twice`, n, text);
        this.touches.set(key, { index: n, token: t, pc: 0, fired: false });
      }
    });
  }

  step(p: StepPoint): InjectKind {
    for (const e of this.events) {
      if (e.fired || e.token.kind !== 'event') continue;
      if (!p.tracker.matches(e.token.anchor, e.pc)) continue;
      e.fired = true;
      const kind = INJECT_OF[e.token.event];
      this.stall = e.token.n;
      if (this.lenient && ((kind === INJECT_REVOKE && !p.canRevoke()) || (kind === INJECT_STALL && !p.canStall()) || (kind === INJECT_PF && !p.pfAllowed()))) return INJECT_NONE;
      if (kind === INJECT_STALL && !p.canStall()) {
        const text = formatToken(e.token);
        throw new ReplayError(`replay token ${e.index} '${text}': no other CPU is busy there to run while this one stalls`, e.index, text);
      }
      if (kind === INJECT_REVOKE && !p.canRevoke()) {
        const text = formatToken(e.token);
        throw new ReplayError(`replay token ${e.index} '${text}': there is no vCPU to revoke there (not an activations process, or a revocation is pending)`, e.index, text);
      }
      return kind;
    }
    return INJECT_NONE;
  }

  stallLength(): number {
    return this.stall;
  }

  choose(point: DecisionPoint, nth: number, d: TestDecisions): number {
    if (point.kind === 'jitter' || point.kind === 'stall') return -1;
    if (point.kind === 'pick') {
      const c = this.picks.get(nth);
      if (c === undefined || c.token.kind !== 'pick') return -1;
      c.fired = true;
      const want = c.token.thread;
      const i = d.pickOrder.findIndex((t) => t.path === want.path && t.process === want.proc);
      if (i < 0 && this.lenient) return -1;
      if (i < 0) {
        const text = formatToken(c.token);
        const ready = d.pickOrder.map((t) => formatThread({ proc: t.process, path: t.path ?? `T${t.id}` })).join(', ');
        throw new ReplayError(`replay token ${c.index} '${text}': ${formatThread(want)} is not ready at pick #${nth} (ready: ${ready}; the program changed?)`, c.index, text);
      }
      return i;
    }
    if (point.kind === 'fault') {
      const who = d.tracker.peekTouch(point.cpu, point.page);
      if (who === null) return -1;
      const c = this.touches.get(`${who.at.proc}.${who.at.path}.${point.page}#${who.nth}`);
      if (c === undefined) return -1;
      c.fired = true;
      if (!point.resident) {
        const text = formatToken(c.token);
        throw new ReplayError(`replay token ${c.index} '${text}': the page was not resident at that touch (the program changed?)`, c.index, text);
      }
      return 1;
    }
    const c = this.choices.get(`${point.kind}#${nth}`);
    if (c === undefined || c.token.kind !== 'choice') return -1;
    c.fired = true;
    const range = rangeOf(point);
    if (c.token.answer >= range) {
      const text = formatToken(c.token);
      throw new ReplayError(`replay token ${c.index} '${text}': ${point.kind} #${nth} offered ${range} choice(s), 0..${range - 1}`, c.index, text);
    }
    return c.token.answer;
  }

  /** Invariant 3: why each token that did not fire did not (empty when all fired). */
  stale(): string[] {
    const d = this.d;
    const out: string[] = [];
    for (const e of this.events) {
      if (e.fired || e.token.kind !== 'event') continue;
      const why = d === null ? 'the run never reached it' : d.tracker.whyMissed(e.token.anchor as Anchor, e.pc);
      out.push(`replay token ${e.index} '${formatToken(e.token)}' never fired: ${why}`);
    }
    for (const c of this.picks.values()) {
      if (!c.fired) out.push(`replay token ${c.index} '${formatToken(c.token)}' never fired: the run took fewer picks with a choice`);
    }
    for (const c of this.choices.values()) {
      if (!c.fired) out.push(`replay token ${c.index} '${formatToken(c.token)}' never fired: the run took fewer such decisions`);
    }
    for (const c of this.touches.values()) {
      if (c.fired || c.token.kind !== 'touch') continue;
      const n = d === null ? 0 : d.tracker.touchesOf(c.token.at, c.token.page);
      out.push(`replay token ${c.index} '${formatToken(c.token)}' never fired: ${formatThread(c.token.at)} touched page ${c.token.page} ${n} time(s)`);
    }
    return out;
  }
}
