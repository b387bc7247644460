/**
 * The cost model: named primitive costs in simulated nanoseconds. Composite figures
 * (a thread switch, a null fork, a kernel call) are never written here; they emerge
 * from running the simulated code, which charges these primitives one by one. Every
 * charge is counted (Kernel.charged), so any run breaks down into primitives.
 *
 * A kernel call costs its trap (trapEntry + trapExit), the syscall dispatch, and the
 * work of its path (create, exit, block, wakeup, a scheduling decision, a switch). Each
 * kernel path has a kernel-thread value and a heavyweight-process value; the caller's
 * kind picks one (kernelPath()). An address-space switch is charged only when a CPU
 * loads a different address space.
 *
 * Invariants:
 *  1. Every cost is a finite integer >= 0 (instruction >= 1 so time always advances).
 *  2. A preset is complete; user overrides replace individual primitives only.
 *  3. PRIM_NAMES lists every primitive once; P_* is its index there.
 */
import { ConfigError } from './errors';

export interface Costs {
  // --- user level: the processor ---
  /** One ordinary instruction (ALU op, register move, plain load/store, a simple branch). */
  readonly instruction: number;
  /** Procedure call and return (a library CALL; the frame's return is one instruction). */
  readonly procedureCall: number;
  /** An atomic read-modify-write (test-and-set, CAS, fetch-and-add) on a shared line. */
  readonly atomic: number;
  // --- user level: the thread package ---
  /** User-level save of a thread's registers into its TCB. */
  readonly userSave: number;
  /** User-level restore of one part of a register file (resume does it in two steps). */
  readonly userRestore: number;
  /** Allocating and initialising a user-level TCB and stack. */
  readonly threadCreate: number;
  // --- crossings ---
  /** User -> kernel crossing (syscall or exception entry). */
  readonly trapEntry: number;
  /** Kernel -> user return (the return from a trap or interrupt). */
  readonly trapExit: number;
  /** Hardware interrupt entry, including the kernel's save of the register file. */
  readonly interruptEntry: number;
  // --- kernel paths of kernel threads (Topaz threads, and every process that is not heavyweight) ---
  /** Decoding and dispatching a syscall to its handler. */
  readonly syscallDispatch: number;
  /** Creating a kernel thread: kernel stack, control block, scheduler entry. */
  readonly kernelThreadCreate: number;
  /** Ending a kernel thread and freeing its resources. */
  readonly kernelThreadExit: number;
  /** Blocking the calling kernel thread (saving its state, putting it on a wait queue). */
  readonly kernelBlock: number;
  /** Unblocking a kernel thread (taking it off a wait queue, onto a ready queue). */
  readonly kernelWakeup: number;
  /** One kernel scheduling decision (choosing what a CPU runs next). */
  readonly kernelSchedule: number;
  /** Switching a CPU from one kernel thread (or dispatcher) to another: registers and kernel stack. */
  readonly kernelSwitch: number;
  // --- the same paths for heavyweight processes (Ultrix) ---
  readonly processSyscallDispatch: number;
  /** Creating a process (fork: address space, page tables, the copy). */
  readonly processCreate: number;
  /** Ending a process (exit and the parent's reaping). */
  readonly processExit: number;
  readonly processBlock: number;
  readonly processWakeup: number;
  readonly processSchedule: number;
  /** Switching between processes, not counting the address-space switch. */
  readonly processSwitch: number;
  // --- memory ---
  /** Loading another address space (page-table root, TLB flush and refill). */
  readonly addressSpaceSwitch: number;
  /** Mapping one page (kernel work of the user-level pager's map call). */
  readonly pageMap: number;
  // --- scheduler activations ---
  /** Delivering an upcall: building (or recycling) an activation and entering the user level on it. */
  readonly upcall: number;
  /** Building one notice of an upcall's batch (its event record and, for a stopped thread, its saved state). */
  readonly upcallNotice: number;
  // --- devices and timers ---
  /** Sending an inter-processor interrupt, to its arrival (a latency, not CPU work). */
  readonly ipi: number;
  /** Kernel timer quantum per CPU (the tick period). */
  readonly quantum: number;
  /** Disk access latency per request (seek + rotation, or flash read). */
  readonly diskLatency: number;
  /** Disk transfer time per KiB. */
  readonly diskPerKiB: number;
}

export type PrimName = keyof Costs;

/** Every primitive, in report order. The P_* constants index this list. */
export const PRIM_NAMES: readonly PrimName[] = [
  'instruction', 'procedureCall', 'atomic', 'userSave', 'userRestore', 'threadCreate',
  'trapEntry', 'trapExit', 'interruptEntry',
  'syscallDispatch', 'kernelThreadCreate', 'kernelThreadExit', 'kernelBlock', 'kernelWakeup', 'kernelSchedule', 'kernelSwitch',
  'processSyscallDispatch', 'processCreate', 'processExit', 'processBlock', 'processWakeup', 'processSchedule', 'processSwitch',
  'addressSpaceSwitch', 'pageMap', 'upcall', 'upcallNotice', 'ipi', 'quantum', 'diskLatency', 'diskPerKiB',
];
/** Kept for callers of the first edition: the same list. */
export const COST_NAMES: readonly PrimName[] = PRIM_NAMES;

export const P_INSTRUCTION = 0;
export const P_PROCEDURE_CALL = 1;
export const P_ATOMIC = 2;
export const P_USER_SAVE = 3;
export const P_USER_RESTORE = 4;
export const P_THREAD_CREATE = 5;
export const P_TRAP_ENTRY = 6;
export const P_TRAP_EXIT = 7;
export const P_INTERRUPT_ENTRY = 8;
export const P_SYSCALL_DISPATCH = 9;
export const P_KT_CREATE = 10;
export const P_KT_EXIT = 11;
export const P_K_BLOCK = 12;
export const P_K_WAKEUP = 13;
export const P_K_SCHEDULE = 14;
export const P_K_SWITCH = 15;
/** Offset from a kernel-thread path to its heavyweight-process value (P_K_BLOCK + HEAVY = processBlock). */
export const HEAVY = 7;
export const P_AS_SWITCH = 23;
export const P_PAGE_MAP = 24;
export const P_UPCALL = 25;
export const P_UPCALL_NOTICE = 26;
export const P_IPI = 27;
export const P_QUANTUM = 28;
export const P_DISK_LATENCY = 29;
export const P_DISK_PER_KIB = 30;
export const PRIM_COUNT = 31;

/** The kernel paths that have a heavyweight variant. */
export type KernelPath = typeof P_SYSCALL_DISPATCH | typeof P_KT_CREATE | typeof P_KT_EXIT | typeof P_K_BLOCK
  | typeof P_K_WAKEUP | typeof P_K_SCHEDULE | typeof P_K_SWITCH;

/** The primitive a kernel path charges for a caller that is (or is not) a heavyweight process. */
export function kernelPath(path: KernelPath, heavyweight: boolean): number {
  return heavyweight ? path + HEAVY : path;
}

/** The cost table as an array indexed by P_* (what the simulator charges from). */
export function costArray(c: Costs): number[] {
  return PRIM_NAMES.map((n) => c[n]);
}

/** Kernel daemons a preset's kernel runs (every `period` ns each takes a CPU for `burst` ns). */
export interface DaemonSpec {
  readonly count: number;
  readonly period: number;
  readonly burst: number;
}

export interface Preset {
  readonly costs: Costs;
  /** The kernel daemons of the preset's kernel (null: none). */
  readonly daemons: DaemonSpec | null;
  /** One line saying what machine this is. */
  readonly description: string;
}

/** Resolve a preset's table and overrides into a validated cost table. */
export function resolveCosts(base: Costs, overrides: Partial<Costs> = {}): Costs {
  if (overrides === null || typeof overrides !== 'object') throw new ConfigError(`costs: must be an object of primitive costs, got ${String(overrides)}`);
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(PRIM_NAMES as readonly string[]).includes(k)) {
      throw new ConfigError(`costs.${k}: unknown primitive cost (known: ${PRIM_NAMES.join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(`costs.${k}: must be a non-negative integer number of ns, got ${String(v)}`);
    }
    out[k] = v;
  }
  if ((out.instruction ?? 0) < 1) throw new ConfigError('costs.instruction: must be at least 1 ns');
  if ((out.quantum ?? 0) < 1) throw new ConfigError('costs.quantum: must be at least 1 ns');
  return out as unknown as Costs;
}
