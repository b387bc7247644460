/**
 * Instruction helpers for generator code: each sets the argument registers and returns
 * the opcode, so a library frame writes `const old = (yield tas(cell)) as number`
 * with no generator allocated and no extra yield* level per instruction.
 *
 * Invariants:
 *  1. Call a helper only as the operand of `yield` in code the simulator runs.
 *  2. Registers are consumed by the very next instruction the CPU executes.
 */
import {
  A, OP_CALL, OP_CAS, OP_COMPUTE, OP_DISABLE, OP_ENABLE, OP_FAA, OP_LIB, OP_LOAD, OP_NOP, OP_NOW,
  OP_STORE, OP_SYSCALL, OP_TAS, OP_TOUCH, OP_TRAP, P_INSTRUCTION, SYS_REQUEST_VCPUS,
} from '../kernel-sim/abi';
import type { Cell, CpuView, Frame, LibFn, Routine } from '../kernel-sim/abi';
import { OutsideThreadError } from './errors';

export const nop = (): number => OP_NOP;
export const disable = (): number => OP_DISABLE;
export const enable = (): number => OP_ENABLE;
export const clock = (): number => OP_NOW;

export function computeOp(ns: number): number {
  A.a0 = ns;
  return OP_COMPUTE;
}
export function callOp(frame: Frame): number {
  A.a0 = frame;
  return OP_CALL;
}
export function trapOp(r: Routine, a1?: unknown, a2?: unknown): number {
  A.a0 = r;
  A.a1 = a1;
  A.a2 = a2;
  return OP_TRAP;
}
export function syscallOp(num: number, a1?: unknown, a2?: unknown): number {
  A.a0 = num;
  A.a1 = a1;
  A.a2 = a2;
  return OP_SYSCALL;
}
export function load(c: Cell): number {
  A.a0 = c;
  return OP_LOAD;
}
export function store(c: Cell, v: number): number {
  A.a0 = c;
  A.a1 = v;
  return OP_STORE;
}
export function tas(c: Cell): number {
  A.a0 = c;
  return OP_TAS;
}
export function cas(c: Cell, expect: number, next: number): number {
  A.a0 = c;
  A.a1 = expect;
  A.a2 = next;
  return OP_CAS;
}
export function faa(c: Cell, d: number): number {
  A.a0 = c;
  A.a1 = d;
  return OP_FAA;
}
/** One instruction that runs `fn(cpu, arg)` atomically, charging primitive `prim` (default `instruction`). */
export function lib<A1>(fn: (cpu: CpuView, arg: A1) => unknown, arg: A1, prim: number = P_INSTRUCTION): number {
  A.a0 = fn as LibFn;
  A.a1 = arg;
  A.a2 = prim;
  return OP_LIB;
}
export function touchOp(page: number): number {
  A.a0 = page;
  return OP_TOUCH;
}

/** The syscall that acts on makeReady's answer w (a vCPU or kernel thread to notify, or a vCPU request), or -1 for none. */
export function notifyOp(notify: number, w: number): number {
  if (w >= 0) return syscallOp(notify, w);
  return syscallOp(SYS_REQUEST_VCPUS, 1);
}

/**
 * Enter a critical section of the user level (before taking its spinlocks), as the
 * operand of one `yield`: prevent: disable (the kernel then never upcalls inside);
 * recover / unsafeNone: count it on the thread (an upcall continues it first).
 */
export function csEnter(): number {
  const uls = ulsOf(A.cpu);
  if (uls === null || uls.cs === 'prevent') return OP_DISABLE;
  return lib(depthLib, 1);
}

/**
 * Leave a critical section (after releasing its spinlocks), as the operand of one
 * `yield`; its value is true when the thread must then yield back to the upcall that
 * recovered it: `if ((yield csLeave()) === true) yield csBack();`.
 */
export function csLeave(): number {
  const uls = ulsOf(A.cpu);
  if (uls === null || uls.cs === 'prevent') return OP_ENABLE;
  return lib(depthLib, -1);
}

/**
 * Does the calling thread's runtime mark its critical sections (csEnter/csLeave)? Only
 * the activations runtime must: its upcalls need to know a thread was inside one. On
 * kernel threads (1:1, N:1, plain M:N) nothing ever upcalls, so the marks are skipped
 * and cost nothing. Read once per library frame.
 */
export function marksHere(): boolean {
  const cpu = A.cpu;
  return cpu !== null && (cpu.disp.udisp as { uls: { marks: boolean } }).uls.marks;
}

/** Trap back to the upcall after leaving the last critical section under recovery. */
export function csBack(): number {
  const uls = ulsOf(A.cpu) as { r: { recoverDone: Routine } };
  return trapOp(uls.r.recoverDone);
}

function ulsOf(cpu: CpuView | null): { cs: string; r: { recoverDone: Routine } } | null {
  return cpu === null ? null : (cpu.disp.udisp as { uls: { cs: string; r: { recoverDone: Routine } } }).uls;
}

/** Adjust the current thread's critical-section depth; true when it left its last one while being recovered. */
function depthLib(cpu: CpuView, delta: number): boolean {
  const t = (cpu.disp.udisp as { current: { spinDepth: number; recovering: boolean } | null }).current;
  if (t === null) return false;
  t.spinDepth = Math.max(0, t.spinDepth + delta);
  return delta < 0 && t.spinDepth === 0 && t.recovering;
}

/** The CPU running the calling green thread; throws when not run by the simulator. */
export function here(api: string): CpuView {
  const cpu = A.cpu;
  if (cpu === null) throw new OutsideThreadError(`${api}: called outside a green thread (drive it with yield* inside a thread body run by a Machine)`);
  return cpu;
}
