/**
 * Step probes: land an interrupt at an exact instruction. Before each instruction the
 * loop asks the probe (only when one is installed, so an unprobed run pays one null
 * check per step). Race-testing strategies build on this seam.
 *
 * Invariants:
 *  1. A probe fires at an instruction boundary: the interrupt is taken before the
 *     instruction at `pc` executes, exactly as a timer tick landing there would be.
 *  2. Each injection fires at most once.
 */
import type { CodeMap } from './codemap';
import { ConfigError } from './errors';

export interface Injection {
  /** Code-map symbol and offset: `resume+1`, `run`, `user`. */
  readonly at: string;
  /** Only on this CPU (default: any). */
  readonly cpu?: number;
  /** Fire on the n-th time (1-based) the pc is reached (default 1). */
  readonly nth?: number;
}

export interface StepProbe {
  /** True when an interrupt must land on `cpu` before its instruction at `pc`. */
  check(cpu: number, pc: number): boolean;
}

interface Armed {
  readonly pc: number;
  readonly cpu: number;
  readonly nth: number;
  seen: number;
  fired: boolean;
  readonly label: string;
}

/** Fires each injection once, at the n-th arrival at its pc. */
export class InterruptAt implements StepProbe {
  private readonly armed: Armed[];
  /** Injections that fired, with the simulated step. */
  readonly fired: string[] = [];

  constructor(injections: readonly Injection[], code: CodeMap) {
    this.armed = injections.map((inj, i) => {
      const where = `inject[${i}].at`;
      const m = /^([A-Za-z_][\w]*)(?:\+(\d+))?$/.exec(inj.at);
      if (m === null) throw new ConfigError(`${where}: '${inj.at}' is not of the form symbol or symbol+offset (e.g. resume+1)`);
      const pc = code.resolve(m[1] as string, m[2] === undefined ? 0 : Number(m[2]));
      if (pc === undefined) throw new ConfigError(`${where}: no code symbol '${m[1]}'`);
      if (code.symbolize(pc) !== inj.at.replace(/\+0$/, '')) throw new ConfigError(`${where}: '${inj.at}' lies outside its routine (it would be ${code.symbolize(pc)})`);
      const nth = inj.nth ?? 1;
      if (!Number.isInteger(nth) || nth < 1) throw new ConfigError(`inject[${i}].nth: must be an integer >= 1, got ${String(nth)}`);
      return { pc, cpu: inj.cpu ?? -1, nth, seen: 0, fired: false, label: inj.at };
    });
  }

  check(cpu: number, pc: number): boolean {
    for (const a of this.armed) {
      if (a.fired || a.pc !== pc || (a.cpu >= 0 && a.cpu !== cpu)) continue;
      a.seen++;
      if (a.seen === a.nth) {
        a.fired = true;
        this.fired.push(`${a.label}@cpu${cpu}`);
        return true;
      }
    }
    return false;
  }
}
