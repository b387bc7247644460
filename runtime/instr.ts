/**
 * Instruction helpers for generator code: each sets the operand registers of the CPU
 * running the code (RUNNING.cpu) and returns the opcode, so a library frame writes
 * `const old = (yield tas(cell)) as number` with no generator allocated and no extra
 * yield* level per instruction.
 *
 * Invariants:
 *  1. Call a helper only as the operand of `yield` in code the simulator runs; outside
 *     it there are no registers, and the helper throws OutsideThreadError.
 *  2. Registers are consumed by the very next instruction the CPU executes, which
 *     checks them and clears them.
 */
import {
  OP_CALL, OP_CAS, OP_COMPUTE, OP_FAA, OP_LIB, OP_LOAD, OP_NOP, OP_NOW,
  OP_STORE, OP_SYSCALL, OP_TAS, OP_TOUCH, OP_TRAP, OneShot, P_INSTRUCTION, RUNNING, SYS_REQUEST_VCPUS,
} from '../kernel-sim/abi';
import type { Cell, CpuView, Frame, LibFn, Routine, UserCpu } from '../kernel-sim/abi';
import { OutsideThreadError } from './errors';

/** The registers of the CPU running the calling generator code. */
function regs(): UserCpu {
  const c = RUNNING.cpu;
  if (c === null) throw new OutsideThreadError('a thread operation was driven outside a green thread (drive it with yield* inside a thread body run by a Machine)');
  return c;
}

export const nop = (): number => OP_NOP;
export const clock = (): number => OP_NOW;

export function computeOp(ns: number): number {
  const r = regs();
  r.a0 = ns;
  return OP_COMPUTE;
}
export function callOp(frame: Frame): number {
  const r = regs();
  r.a0 = frame;
  return OP_CALL;
}
export function trapOp(routine: Routine, a1?: unknown, a2?: unknown): number {
  const r = regs();
  r.a0 = routine;
  r.a1 = a1;
  r.a2 = a2;
  return OP_TRAP;
}
export function syscallOp(num: number, a1?: unknown, a2?: unknown): number {
  const r = regs();
  r.a0 = num;
  r.a1 = a1;
  r.a2 = a2;
  return OP_SYSCALL;
}
export function load(c: Cell): number {
  const r = regs();
  r.a0 = c;
  return OP_LOAD;
}
export function store(c: Cell, v: number): number {
  const r = regs();
  r.a0 = c;
  r.a1 = v;
  return OP_STORE;
}
export function tas(c: Cell): number {
  const r = regs();
  r.a0 = c;
  return OP_TAS;
}
export function cas(c: Cell, expect: number, next: number): number {
  const r = regs();
  r.a0 = c;
  r.a1 = expect;
  r.a2 = next;
  return OP_CAS;
}
export function faa(c: Cell, d: number): number {
  const r = regs();
  r.a0 = c;
  r.a1 = d;
  return OP_FAA;
}
/** One instruction that runs `fn(cpu, arg)` atomically, charging primitive `prim` (default `instruction`). */
export function lib<A1>(fn: (cpu: CpuView, arg: A1) => unknown, arg: A1, prim: number = P_INSTRUCTION): number {
  const r = regs();
  r.a0 = fn as LibFn;
  r.a1 = arg;
  r.a2 = prim;
  return OP_LIB;
}
/**
 * The instruction `op` (its operands already set) only waits for another thread: a
 * yield, or the bookkeeping of a spin-wait that yields. It is not progress, so a thread
 * that does nothing else is seen as livelocked (`yield waiting(trapOp(r.yield))`).
 */
export function waiting(op: number): number {
  regs().waits = true;
  return op;
}
export function touchOp(page: number): number {
  const r = regs();
  r.a0 = page;
  return OP_TOUCH;
}

/**
 * One instruction as an iterable for `yield*` (no generator): the opcode `op`, with
 * operands already in the registers, issued by the running stack's OneShot.
 */
export function one<T>(op: number): Generator<number, T, unknown> {
  const st = regs().stack;
  if (st === null) throw new OutsideThreadError('a thread operation was driven outside a green thread');
  const shot = st.shot ?? (st.shot = new OneShot());
  return shot.arm(op) as unknown as Generator<number, T, unknown>;
}

/** The syscall that acts on makeReady's answer w (a vCPU or kernel thread to notify, or a vCPU request), or -1 for none. */
export function notifyOp(notify: number, w: number): number {
  if (w >= 0) return syscallOp(notify, w);
  return syscallOp(SYS_REQUEST_VCPUS, 1);
}

/** The CPU running the calling green thread; throws when not run by the simulator. */
export function here(api: string): CpuView {
  const cpu = RUNNING.cpu;
  if (cpu === null) throw new OutsideThreadError(`${api}: called outside a green thread (drive it with yield* inside a thread body run by a Machine)`);
  return cpu;
}
