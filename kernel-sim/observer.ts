/**
 * The kernel's observation seam for test mode: step-level invariant checkers and
 * coverage recorders (src/testing) watch the machine through it. A run without an
 * observer pays one null check per instruction and per kernel entry.
 *
 * Invariants:
 *  1. An observer only reads the machine; to end a run it calls Kernel.stop().
 *  2. `landed` is called once for every event that takes a CPU's context away
 *     (interrupt, page fault, revocation, migration), with the kernel's R1 answer,
 *     before the kernel acts on that answer.
 */
import type { Stack } from './abi';
import type { Cpu } from './cpu';
import type { Dcb } from './dcb';

/** What took a CPU's context: an interrupt, a page fault, or a vCPU revocation. */
export type LandKind = 'irq' | 'pf' | 'revoke';

/** Why: a timer tick, an injected event, a notice, a daemon, a migration, a pause-loop exit, or the thread's own access. */
export type LandCause = 'tick' | 'inject' | 'notice' | 'resched' | 'migrate' | 'spin' | 'access' | 'allocator';

export interface KernelObserver {
  /** After every instruction `cpu` executed. */
  afterStep(cpu: Cpu): void;
  /**
   * An event landed on `cpu` at code-map address `pc`, on thread code of `stack` (null:
   * dispatcher code); `disabled` is the kernel's R1 answer.
   */
  landed(cpu: Cpu, kind: LandKind, cause: LandCause, pc: number, disabled: boolean, stack: Stack | null): void;
  /** dispatch() is about to restore `d`'s disabled area verbatim on `cpu`. */
  resumed(cpu: Cpu, d: Dcb): void;
  /** The kernel is about to enter `d`'s user level by an upcall on `cpu`. */
  upcall(cpu: Cpu, d: Dcb, entry: string): void;
}

/** A step-level invariant that failed: which, what, and where (test mode). */
export interface InvariantBreach {
  readonly name: string;
  readonly what: string;
  readonly time: number;
  readonly cpu: number;
  /** Symbolic code-map address, e.g. `resume+1`. */
  readonly pc: string;
  /** Instructions executed before the breach. */
  readonly step: number;
}

/** One observer that tells each of `obs` (nulls skipped) everything, in order. */
export function combineObservers(...obs: readonly (KernelObserver | null)[]): KernelObserver | null {
  const list = obs.filter((o): o is KernelObserver => o !== null);
  if (list.length <= 1) return list[0] ?? null;
  return {
    afterStep: (cpu) => { for (const o of list) o.afterStep(cpu); },
    landed: (cpu, kind, cause, pc, disabled, stack) => { for (const o of list) o.landed(cpu, kind, cause, pc, disabled, stack); },
    resumed: (cpu, d) => { for (const o of list) o.resumed(cpu, d); },
    upcall: (cpu, d, entry) => { for (const o of list) o.upcall(cpu, d, entry); },
  };
}
