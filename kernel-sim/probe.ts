/**
 * Interrupts at exact instructions (the Machine option `inject`): a decision-source
 * layer that answers `beforeStep` with an interrupt at the n-th arrival at a named
 * pc, and passes every other decision to the source beneath it.
 *
 * Invariants:
 *  1. An injection fires at an instruction boundary: the interrupt is taken before the
 *     instruction at `pc` executes, exactly as a timer tick landing there would be.
 *  2. Each injection fires at most once.
 */
import type { CodeMap } from './codemap';
import { INJECT_IRQ, INJECT_NONE } from './decisions';
import type { DecisionPoint, DecisionSource, InjectKind } from './decisions';
import { ConfigError } from './errors';

export interface Injection {
  /** Code-map symbol and offset: `resume+1`, `run`, `user`. */
  readonly at: string;
  /** Only on this CPU (default: any). */
  readonly cpu?: number;
  /** Fire on the n-th time (1-based) the pc is reached (default 1). */
  readonly nth?: number;
}

interface Armed {
  readonly pc: number;
  readonly cpu: number;
  readonly nth: number;
  seen: number;
  fired: boolean;
}

/** Resolve `symbol` or `symbol+offset` to a code-map address, or say why not (for errors). */
export function resolvePc(code: CodeMap, at: string): number | string {
  const m = /^([A-Za-z_][\w]*)(?:\+(\d+))?$/.exec(at);
  if (m === null) return `'${at}' is not of the form symbol or symbol+offset (e.g. resume+1)`;
  const pc = code.resolve(m[1] as string, m[2] === undefined ? 0 : Number(m[2]));
  if (pc === undefined) return `no code symbol '${m[1]}'`;
  if (code.symbolize(pc) !== at.replace(/\+0$/, '')) return `'${at}' lies outside its routine (it would be ${code.symbolize(pc)})`;
  return pc;
}

/** Fires each injection once, at the n-th arrival at its pc; everything else goes to `base`. */
export class InterruptAt implements DecisionSource {
  private readonly armed: Armed[];

  constructor(private readonly base: DecisionSource, injections: readonly Injection[], code: CodeMap) {
    this.armed = injections.map((inj, i) => {
      const pc = resolvePc(code, inj.at);
      if (typeof pc === 'string') throw new ConfigError(`inject[${i}].at: ${pc}`);
      const nth = inj.nth ?? 1;
      if (!Number.isInteger(nth) || nth < 1) throw new ConfigError(`inject[${i}].nth: must be an integer >= 1, got ${String(nth)}`);
      return { pc, cpu: inj.cpu ?? -1, nth, seen: 0, fired: false };
    });
  }

  decide(point: DecisionPoint): number {
    return this.base.decide(point);
  }

  beforeStep(cpu: number, pc: number): InjectKind {
    for (const a of this.armed) {
      if (a.fired || a.pc !== pc || (a.cpu >= 0 && a.cpu !== cpu)) continue;
      a.seen++;
      if (a.seen === a.nth) {
        a.fired = true;
        return INJECT_IRQ;
      }
    }
    return this.base.beforeStep === undefined ? INJECT_NONE : this.base.beforeStep(cpu, pc);
  }

  replayString(): string {
    return this.base.replayString?.() ?? '';
  }
}
