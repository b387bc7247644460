/**
 * A fake user level for kernel tests: hand-written routines and generator threads on a
 * bare Kernel, so each kernel rule is tested without the real runtime (the NoopPolicy
 * idea of the style guide).
 */
import { PRESETS } from '../../kernel-sim/presets';
import {
  Cell, initialContext, RUNNING, OP_COMPUTE, OP_DISABLE, OP_SYSCALL, OP_TOUCH, Stack,
} from '../../kernel-sim/abi';
import type { Context, DispatcherShared, Frame, Routine, SmContext, SmExec } from '../../kernel-sim/abi';
import { resolveCosts } from '../../kernel-sim/costs';
import type { Costs } from '../../kernel-sim/costs';
import { SeededDecisions } from '../../kernel-sim/decisions';
import { Kernel } from '../../kernel-sim/kernel';
import type { KProcess } from '../../kernel-sim/dcb';
import { runLoop } from '../../kernel-sim/loop';
import type { LoopResult } from '../../kernel-sim/loop';

const MODERN_COSTS = PRESETS['modern']!.costs;

export function makeKernel(o: { cpus?: number; costs?: Partial<Costs>; unsafe?: boolean; jitter?: number } = {}): Kernel {
  return new Kernel({
    cpus: o.cpus ?? 1,
    costs: resolveCosts(MODERN_COSTS, { quantum: 5_000, ...o.costs }),
    decisions: new SeededDecisions(1),
    jitter: o.jitter ?? 0,
    unsafeNoCritCheck: o.unsafe ?? false,
    onViolation: 'record',
    recordTrace: true,
  });
}

export function run(k: Kernel, maxSteps = 200_000): LoopResult {
  return runLoop(k, { maxSteps, maxTime: 1e12, livelockSteps: 1e9 });
}

/** A routine from a step function (registered in k's code map). */
export function routine(k: Kernel, name: string, size: number, step: (x: SmExec) => void): Routine {
  const r: Routine = { name, size, step };
  k.registerRoutine(r);
  return r;
}

export function smContext(r: Routine, pc = 0, r0?: unknown): SmContext {
  return { kind: 'sm', id: 0, routine: r, pc, r0, r1: undefined, r2: undefined, r3: undefined };
}

/** A stack whose exit routine records the value and exits the process. */
export function stackOf(k: Kernel, body: Frame, label = 'thread'): Stack {
  const exit = routine(k, `exit_${label}`, 1, (x) => {
    x.syscall(4 /* SYS_EXIT */);
  });
  return new Stack(body, 1, exit, label);
}

export function genContext(s: Stack): Context {
  return initialContext(s);
}

/** One process with one dispatcher; `boot` is its prepared first context (R6). */
export function oneProcess(k: Kernel, setup: (s: DispatcherShared) => void): KProcess {
  const p = k.addProcess('p', 1, () => 0);
  const d = p.dcbs[0];
  if (d === undefined) throw new Error('no dcb');
  setup(d.shared);
  return p;
}

// Instruction helpers for generator code in tests.
export function compute(ns: number): number {
  RUNNING.cpu!.a0 = ns;
  return OP_COMPUTE;
}
export function syscall(num: number, a1?: unknown): number {
  RUNNING.cpu!.a0 = num;
  RUNNING.cpu!.a1 = a1;
  RUNNING.cpu!.a2 = undefined;
  return OP_SYSCALL;
}
export function touch(page: number): number {
  RUNNING.cpu!.a0 = page;
  return OP_TOUCH;
}
export const disable = OP_DISABLE;
export { Cell };
