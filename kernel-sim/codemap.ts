/**
 * The code map of one machine: address ranges of simulated code with symbol names, so
 * traces, the critical-range check and error messages speak of `resume+2`, not raw
 * numbers. Routine objects are shared by every machine in the process; their addresses
 * are not: each map keeps its own routine -> base table, so a machine that registers an
 * extra routine never moves another machine's code.
 *
 * Invariants:
 *  1. Ranges never overlap; addresses grow from CODE_BASE in registration order.
 *  2. Generator (thread) code lives in one region, `user`, outside every routine.
 *  3. Nothing here is shared between maps (per-machine state).
 */
import { USER_CODE_PC } from './abi';
import type { CodeAddresses, Context, Routine } from './abi';
import { panic } from './errors';

/** The first address of dispatcher routines (thread code sits below it, from USER_PC). */
export const CODE_BASE = 0x1000;
/** Address of generator code (green threads and library frames). */
export const USER_PC = USER_CODE_PC;

export class CodeMap implements CodeAddresses {
  private next = CODE_BASE;
  private readonly routines: Routine[] = [];
  private readonly bases = new Map<Routine, number>();

  /** Give `routine` its addresses in this map; idempotent for a routine already registered. */
  register(routine: Routine): void {
    if (this.bases.has(routine)) return;
    this.bases.set(routine, this.next);
    this.next += routine.size + 0x10; // a gap, so an off-by-one pc never names a neighbour
    this.routines.push(routine);
  }

  /** Is `r` a routine of this machine? */
  has(r: unknown): r is Routine {
    return this.bases.has(r as Routine);
  }

  /** First address of a registered routine. */
  baseOf(r: Routine): number {
    const b = this.bases.get(r);
    return b === undefined ? panic('codemap', `routine '${r.name}' is not registered in this machine's code map`) : b;
  }

  /** Code-map address of a context (a generator context's pc, or its routine's base + local pc). */
  contextPc(ctx: Context): number {
    return ctx.kind === 'gen' ? ctx.pc : this.baseOf(ctx.routine) + ctx.pc;
  }

  symbolize(pc: number): string {
    if (pc >= USER_PC && pc < CODE_BASE) return pc === USER_PC ? 'user' : `user+${pc - USER_PC}`;
    for (const r of this.routines) {
      const base = this.bases.get(r) as number;
      if (pc >= base && pc < base + r.size) return pc === base ? r.name : `${r.name}+${pc - base}`;
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
    return r === undefined ? undefined : this.baseOf(r) + offset;
  }
}
