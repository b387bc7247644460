/**
 * The code map: address ranges of simulated code with symbol names, so traces, the
 * critical-range check and error messages speak of `resume+2`, not raw numbers.
 *
 * Invariants:
 *  1. Ranges never overlap; addresses grow from CODE_BASE in registration order.
 *  2. Generator (thread) code lives in one region, `user`, outside every routine.
 */
import { USER_CODE_PC } from './abi';
import type { Routine } from './abi';

const CODE_BASE = 0x1000;
/** Address of generator code (green threads and library frames). */
export const USER_PC = USER_CODE_PC;

export class CodeMap {
  private next = CODE_BASE;
  private readonly routines: Routine[] = [];

  /** Give `routine` its addresses; idempotent for a routine already registered. */
  register(routine: Routine): void {
    if (this.routines.includes(routine)) return;
    routine.base = this.next;
    this.next += routine.size + 0x10; // a gap, so an off-by-one pc never names a neighbour
    this.routines.push(routine);
  }

  symbolize(pc: number): string {
    if (pc >= USER_PC && pc < CODE_BASE) return pc === USER_PC ? 'user' : `user+${pc - USER_PC}`;
    for (const r of this.routines) {
      if (pc >= r.base && pc < r.base + r.size) return pc === r.base ? r.name : `${r.name}+${pc - r.base}`;
    }
    return `0x${pc.toString(16)}`;
  }

  /** One past the highest address in use (every code address is below it). */
  get limit(): number {
    return this.next;
  }

  /** The registered routines, in address order. */
  list(): readonly Routine[] {
    return this.routines;
  }

  /** Address of `name+offset`, or undefined when no routine has that name. */
  resolve(name: string, offset = 0): number | undefined {
    if (name === 'user') return USER_PC + offset;
    const r = this.routines.find((x) => x.name === name);
    return r === undefined ? undefined : r.base + offset;
  }
}
