/**
 * The CPU as generator code sees it: the operand registers and a restricted view
 * (RUNNING.cpu), and the host-side watch around each resume of thread code. Library
 * code gets the view, never the CPU or the kernel behind it.
 */
import type { Context, DispatcherShared, Frame, Stack, UserCpu } from './abi';
import type { Costs } from './costs';
import { PRIM_COUNT } from './costs';
import type { Cpu } from './cpu';

/**
 * The CPU as generator code sees it (RUNNING.cpu): the operand registers and a
 * restricted view. Library code gets this, never the CPU or the kernel behind it.
 */
export class UserView implements UserCpu {
  a0: unknown = undefined;
  a1: unknown = undefined;
  a2: unknown = undefined;
  waits = false;
  readonly #cpu: Cpu;
  readonly index: number;
  readonly costs: Costs;

  constructor(cpu: Cpu) {
    this.#cpu = cpu;
    this.index = cpu.index;
    this.costs = cpu.costs;
  }

  get now(): number {
    return this.#cpu.time;
  }

  get disp(): DispatcherShared {
    return this.#cpu.disp;
  }

  get stack(): Stack | null {
    return this.#cpu.stack;
  }

  report(layer: 1 | 2 | 3, what: string): void {
    this.#cpu.report(layer, what);
  }

  trace(kind: string, a: number, b: number): void {
    this.#cpu.trace(kind, a, b);
  }

  symbolize(pc: number): string {
    return this.#cpu.symbolize(pc);
  }

  contextPc(ctx: Context): number {
    return this.#cpu.contextPc(ctx);
  }
}

/**
 * A host-side watcher of thread code (src/progress.ts, the watchdog of runInWorker): told
 * before a CPU resumes a thread's generator and after it yields, so that another host
 * thread can name the thread whose code never yields. It only observes.
 */
export interface ResumeWatch {
  /** `cpu` is about to run the code of the thread on `stack`. */
  enter(cpu: Cpu, stack: Stack): void;
  /**
   * The thread's code gave the CPU back: how (LEFT_YIELD, LEFT_RETURN, LEFT_THROW) and,
   * when it yielded, the opcode (not yet checked or executed; its operands are in cpu.view).
   */
  leave(cpu: Cpu, how: number, op: unknown): void;
}

/** How thread code left the CPU, as ResumeWatch.leave hears it. */
export const LEFT_YIELD = 0;
export const LEFT_RETURN = 1;
export const LEFT_THROW = 2;

/** Opcode names, by opcode (messages and the worker's progress report). */
export const OP_NAMES: readonly string[] = ['NOP', 'COMPUTE', 'CALL', 'TRAP', 'SYSCALL', 'DISABLE', 'ENABLE', 'LOAD', 'STORE', 'TAS', 'CAS', 'FAA', 'LIB', 'TOUCH', 'NOW'];

export function clearRegs(v: UserCpu): void {
  v.a0 = undefined;
  v.a1 = undefined;
  v.a2 = undefined;
}

export function isFrame(x: unknown): x is Frame {
  return typeof x === 'object' && x !== null && typeof (x as Frame).next === 'function' && typeof (x as Frame).throw === 'function';
}

export function isPrim(p: unknown): p is number {
  return typeof p === 'number' && Number.isInteger(p) && p >= 0 && p < PRIM_COUNT;
}

