/**
 * The kernel <-> user-level runtime contract (Barrelfish's KPI): the shared dispatcher
 * record, execution contexts, the instruction set that simulated code issues, the
 * syscall set and the upcall event union. runtime/ reaches the kernel only through
 * this file.
 *
 * Invariants:
 *  1. Every field of DispatcherShared says who writes it; the kernel trusts none of the
 *     user-written fields beyond reading them.
 *  2. Context records are immutable values except `used`; a GenContext is linear
 *     (restored at most once), an SmContext may be restored any number of times, as
 *     a register dump on hardware can.
 *  3. Instructions are small integers; their operands travel in the registers of the
 *     issuing CPU (RUNNING.cpu.a0..a2, written by the issuing code just before it
 *     yields), are checked by the opcode (a bad one traps as `bad-operand`) and are
 *     cleared after every instruction.
 *  4. Only the simulator's CPU loop resumes generators (a trampoline): simulated code
 *     never calls next() on another generator.
 */
import type { Costs } from './costs';

export { describeThrown, describeUntrusted, ProcessFault, ThreadCrashError, UpcallError } from './errors';
export type { FaultSite } from './errors';

// ---------------------------------------------------------------------------------
// Instruction set for generator code (green threads and library frames).
// ---------------------------------------------------------------------------------
/** A plain instruction; costs `instruction`. Result: undefined. */
export const OP_NOP = 0;
/** Interruptible computation of a0 ns; an interrupt mid-way splits it. */
export const OP_COMPUTE = 1;
/** Push a0 (a generator) as a new frame; its return value is the result. */
export const OP_CALL = 2;
/** Enter dispatcher routine a0 disabled: disabled = 1, r0 = caller continuation, r1 = a1, r2 = a2. */
export const OP_TRAP = 3;
/** Kernel call a0 (a Syscall number) with args a1, a2; result is the kernel's answer. */
export const OP_SYSCALL = 4;
/** disabled = 1 (a plain store, as `disp_disable`). */
export const OP_DISABLE = 5;
/** disabled = 0 (a plain store, as `disp_enable`). */
export const OP_ENABLE = 6;
/** Atomic load of cell a0. */
export const OP_LOAD = 7;
/** Atomic store of a1 into cell a0. */
export const OP_STORE = 8;
/** Test-and-set of cell a0: returns the old value and leaves 1. */
export const OP_TAS = 9;
/** Compare-and-swap on cell a0 from a1 to a2: returns true on success. */
export const OP_CAS = 10;
/** Fetch-and-add a1 to cell a0: returns the old value. */
export const OP_FAA = 11;
/** Run library function a0(cpu, a1) as one instruction; it charges primitive a2 (a P_* index; default `instruction`). */
export const OP_LIB = 12;
/** Touch page a0 of the process's address space; page-faults when it is not mapped. */
export const OP_TOUCH = 13;
/** Read the CPU clock (simulated ns). */
export const OP_NOW = 14;
export const OP_COUNT = 15;

/** A library function run as a single instruction. */
export type LibFn = (cpu: CpuView, arg: unknown) => unknown;

/**
 * The CPU generator code runs on, as that code may see it: the restricted view (no
 * kernel) and the operand registers of the next instruction. One per simulated CPU.
 */
export interface UserCpu extends CpuView {
  a0: unknown;
  a1: unknown;
  a2: unknown;
  /**
   * Set with the operands: the next instruction only waits for another thread (a
   * yield, or the bookkeeping of a spin-wait that yields), so it is not progress and
   * an endless run of such instructions is a livelock. The CPU clears it.
   */
  waits: boolean;
  /** The stack of the generator code running now. */
  readonly stack: Stack | null;
}

/**
 * Which simulated CPU's loop is resuming generator code at this moment (null: none).
 * It is a dynamic scope, not state: the CPU sets it around each resume of a generator
 * and each library call and restores what was there before, so a Machine run inside a
 * green thread nests, two machines stepped alternately never see each other, and nothing
 * is held once no simulated code runs. (JavaScript has no implicit context that a
 * generator could read otherwise; the operands themselves live on each CPU.)
 */
export const RUNNING: { cpu: UserCpu | null } = { cpu: null };

/** A shared memory word reached with atomic instructions (LOAD/STORE/TAS/CAS/FAA). */
export class Cell {
  /** Who last acquired the word by test-and-set (a thread's stack or a dispatcher), for reports. */
  heldBy: Stack | DispatcherShared | null = null;
  constructor(public value: number = 0, readonly label: string = 'cell') {}
}

// ---------------------------------------------------------------------------------
// Code: stacks of generator frames, and dispatcher routines (state machines).
// ---------------------------------------------------------------------------------
export type Frame = Generator<number, unknown, unknown>;

/**
 * An execution stack of generator frames (a thread's stack). Mutated only by the CPU
 * that runs it. `seq` counts resumptions; a saved GenContext remembers the seq it was
 * taken at, so a stale or doubled restore is detected (detection layer 3).
 */
export class Stack {
  readonly frames: Frame[];
  seq = 0;
  /** True while the stack is loaded on a CPU (a stack is live on at most one CPU). */
  live = false;
  /** The stack's reusable one-instruction iterator (OneShot), made on first use. */
  shot: OneShot | null = null;
  /**
   * The runtime's reusable library frame (runtime/sync/section.ts), opaque to the kernel:
   * a frame that never CALLs is alone at the top of its stack while it runs, so one per
   * stack serves every such operation the thread makes.
   */
  spare: unknown = null;
  /** The runtime's record of the thread this stack runs (a back pointer; opaque to the kernel). */
  thread: unknown = null;
  /** The owning process's token (DispatcherShared.home); a stack made without one is bound to the first process that restores it. */
  home: object | null = null;
  private labelOrNamer: string | { readonly label: string };
  /**
   * `exit`: the routine entered (as by TRAP) when the root frame returns or throws.
   * `label` names the stack in messages: a string, or an object whose `label` is read
   * only when a message needs it (a thread, so spawning builds no string).
   */
  constructor(root: Frame, readonly owner: number, readonly exit: Routine, label: string | { readonly label: string }) {
    // Room for two frames from the start: a thread usually sits one library CALL deep,
    // and V8 would grow [root] to 17 slots (120 bytes more per thread) on that push.
    const frames = [root, root];
    frames.pop();
    this.frames = frames;
    this.labelOrNamer = label;
  }

  get label(): string {
    const l = this.labelOrNamer;
    return typeof l === 'string' ? l : l.label;
  }
}

/**
 * One instruction as an iterable, so `yield* yieldNow()` costs no generator: it yields
 * the armed opcode once, then finishes with the value the CPU sent back. Each stack has
 * its own (a frame suspended in `yield*` on it is the stack's top frame, so only one is
 * ever pending per stack), reused for every such instruction the stack issues.
 */
export class OneShot {
  private op = 0;
  private armed = false;
  /** The iterator is its own result object (one object per stack, not two). */
  value: unknown = undefined;
  done = false;

  arm(op: number): this {
    this.op = op;
    this.armed = true;
    return this;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(v?: unknown): IteratorResult<number, unknown> {
    if (this.armed) {
      this.armed = false;
      this.value = this.op;
      this.done = false;
    } else {
      this.value = v;
      this.done = true;
    }
    return this as IteratorResult<number, unknown>;
  }

  throw(e?: unknown): IteratorResult<number, unknown> {
    this.armed = false;
    throw e;
  }

  return(v?: unknown): IteratorResult<number, unknown> {
    this.armed = false;
    return { value: v, done: true };
  }
}

/**
 * A dispatcher routine written as a state machine over (pc, registers). Its addresses
 * belong to each machine's code map (CodeMap.baseOf): one routine object may sit at
 * different addresses in two machines.
 */
export interface Routine {
  readonly name: string;
  /** Number of instructions (local pcs 0..size-1). */
  readonly size: number;
  /** Execute the instruction at exec.pc; set exec.pc (and charge with exec.use) for the next. */
  step(exec: SmExec): void;
}

/** What the user level may ask of a machine's code map: where a routine sits. */
export interface CodeAddresses {
  baseOf(r: Routine): number;
}

export interface GenContext {
  readonly kind: 'gen';
  readonly id: number;
  readonly stack: Stack;
  readonly seq: number;
  /** Value (or error, when `throwing`) the top frame receives when resumed. */
  readonly value: unknown;
  readonly throwing: boolean;
  /** An instruction to (re)execute before resuming the frame (split compute, faulting touch). */
  readonly pendingOp: number;
  readonly pendingArg: unknown;
  /** Code-map address the context stopped at (user code). */
  readonly pc: number;
  used: boolean;
}

export interface SmContext {
  readonly kind: 'sm';
  readonly id: number;
  readonly routine: Routine;
  /** Local pc inside the routine. */
  readonly pc: number;
  readonly r0: unknown;
  readonly r1: unknown;
  readonly r2: unknown;
  readonly r3: unknown;
}

export type Context = GenContext | SmContext;

/** The first context of a new stack: resume its root frame from the start. */
export function initialContext(stack: Stack): GenContext {
  return {
    kind: 'gen', id: 0, stack, seq: stack.seq, value: undefined, throwing: false,
    pendingOp: -1, pendingArg: undefined, pc: USER_CODE_PC, used: false,
  };
}

/** Code-map address of generator code (kept equal to codemap.USER_PC). */
export const USER_CODE_PC = 0x100;


// ---------------------------------------------------------------------------------
// The shared dispatcher record (one per vCPU of a process).
// ---------------------------------------------------------------------------------
export type UpcallEvent =
  | { readonly kind: 'wake' }
  | { readonly kind: 'timer' }
  | { readonly kind: 'vcpuAdded'; readonly vcpu: number }
  | { readonly kind: 'vcpuRevoked'; readonly vcpu: number }
  /** The thread running on vCPU `vcpu` (on `activation`) was stopped; here is its context. */
  | { readonly kind: 'preempted'; readonly activation: number; readonly context: Context; readonly vcpu: number }
  | { readonly kind: 'blocked'; readonly activation: number }
  | { readonly kind: 'unblocked'; readonly activation: number; readonly context: Context; readonly result: unknown };

export class DispatcherShared {
  // --- written by the user (runtime), read by the kernel (untrusted) ---
  /** The resume bit: non-zero = disabled (no upcalls; state goes to the disabled area). */
  disabled = 1;
  /** "I have runnable work": read by the kernel only in sys_yield. */
  haswork = 0;
  /** Critical PC range [critLow, critHigh): the resume sequence. */
  critLow = 0;
  critHigh = 0;
  run: Routine | null = null;
  pagefault: Routine | null = null;
  pagefaultDisabled: Routine | null = null;
  trap: Routine | null = null;
  /** Earliest user timer (0 = none): armed by the kernel when the dispatcher blocks. */
  wakeup = 0;
  /** Notices consumed by the user. */
  seen = 0;
  /** User pointer passed to every upcall (the runtime's per-vCPU state). */
  udisp: unknown = null;
  /**
   * Non-zero: while this dispatcher is disabled, ask the kernel not to deschedule it in
   * favour of another dispatcher (bounded deferral; the `prevent` design for critical
   * sections of the user level).
   */
  deferPreempt = 0;

  // --- written by the kernel ---
  /** Activation slot: the enabled context saved at the last interrupt or enabled fault. */
  enabledArea: Context | null = null;
  /** Resume slot: the disabled context, restored verbatim by dispatch(). */
  disabledArea: Context | null = null;
  /** Trap slot: context at a trap or a page fault taken while disabled. */
  trapArea: Context | null = null;
  /** Simulated time at the last dispatch. */
  systime = 0;
  /** Notices delivered by the kernel (compare with `seen`). */
  delivered = 0;
  /** Id of the activation this vCPU currently runs on (0: none). */
  activation = 0;
  /**
   * Kernel-written: this dispatcher is a kernel thread. The kernel treats it as always
   * disabled: interrupts save into the disabled area and dispatch resumes it verbatim,
   * so it never receives an upcall (1:1, N:1 and plain M:N mappings).
   */
  kthread = false;
  /** Upcall events queued for the next run upcall (drained by the user). */
  readonly events: UpcallEvent[] = [];

  /**
   * Kernel-written: the process's identity token. The runtime stamps it on every stack
   * it creates (Stack.home), and the kernel refuses to restore a stack of another
   * process on this dispatcher.
   */
  home: object | null = null;

  constructor(readonly process: number, readonly vcpu: number, readonly name: string) {
    // Sealed: the process may write any value into any field, but cannot add fields or
    // turn one into an accessor, so the kernel's reads and writes never call user code.
    Object.seal(this);
  }
}

// ---------------------------------------------------------------------------------
// Syscalls.
// ---------------------------------------------------------------------------------
/** Give up the processor; only while disabled. Next entry is a run upcall. */
export const SYS_YIELD = 1;
/** Post a wake notice to vCPU a1 of the caller's process (delivered++). */
export const SYS_WAKE = 2;
/** Map page a1 into the caller's address space (the user-level pager). */
export const SYS_MAP = 3;
/** The process has no threads left: release its vCPUs. */
export const SYS_EXIT = 4;
/** (5 was SYS_ABORT: a thread error no longer ends the run; it faults its process, SYS_FAULT.) */
/** Fatal fault in the process (a1: message): the process is stopped and reported. */
export const SYS_FAULT = 6;
/** Read a1 bytes from the disk: blocks the calling thread (an activation keeps it). */
export const SYS_READ = 7;
/** Return spent activations (a1: readonly number[]) to the kernel's cache, in bulk. */
export const SYS_RECYCLE = 8;
/** Create a kernel thread in the caller's process, runnable at once: a1 = udisp, a2 = its first context. Answer: its dispatcher index. */
export const SYS_KT_CREATE = 9;
/** Park the calling kernel thread, first releasing spinlock word a1 (if any); returns at once if a permit is pending. */
export const SYS_KT_PARK = 10;
/** Unpark kernel thread a1 (dispatcher index), or leave it a permit if it is not parked. */
export const SYS_KT_UNPARK = 11;
/** End the calling kernel thread and, when a1 >= 0, wake kernel thread a1 (its joiner) in the same call. */
export const SYS_KT_EXIT = 12;
/** makeReady's answer when no idle vCPU can take the work and the process may ask for one more. */
export const REQUEST_VCPU = -2;
/** Downcall: the process could use a1 more processors (runnable threads outnumber its vCPUs). */
export const SYS_REQUEST_VCPUS = 13;
/** Downcall: this vCPU found no work; give the processor away if another process needs it, else block as sys_yield. */
export const SYS_VCPU_IDLE = 14;
/** Downcall: interrupt vCPU a1 of the caller's process into its run upcall (sa_preempt). */
export const SYS_PREEMPT_VCPU = 15;
/** Block the calling thread in the kernel for a1 ns (a buffer-cache miss): a fixed latency that does not queue behind other requests. */
export const SYS_DELAY = 16;
/** Create a semaphore kept in the kernel with a1 units; answer: its id in the caller's process. */
export const SYS_KSEM_CREATE = 17;
/** Take a unit of kernel semaphore a1, blocking the calling thread in the kernel while there is none. */
export const SYS_KSEM_WAIT = 18;
/** Give a unit to kernel semaphore a1: to its first blocked waiter, or to the count. */
export const SYS_KSEM_POST = 19;

export const ERR_CALLER_ENABLED = 'CALLER_ENABLED';
/** A blocking call needed a fresh activation and the process's pool was exhausted. */
export const ERR_NO_ACTIVATION = 'NO_ACTIVATION';

export type SyscallResult = { readonly kind: 'ok'; readonly value: unknown } | { readonly kind: 'error'; readonly code: string };

// ---------------------------------------------------------------------------------
// What simulated code sees of the CPU it runs on.
// ---------------------------------------------------------------------------------
export interface Violation {
  readonly layer: 1 | 2 | 3;
  readonly what: string;
  readonly time: number;
  readonly cpu: number;
  readonly pc: string;
}

export interface CpuView {
  readonly index: number;
  readonly now: number;
  readonly costs: Costs;
  /** Code-map address of a context (its global pc). */
  contextPc(ctx: Context): number;
  /** Shared record of the dispatcher running on this CPU. */
  readonly disp: DispatcherShared;
  /** Record a detection-layer violation (stops the run when the machine says so). */
  report(layer: 1 | 2 | 3, what: string): void;
  /** Append a trace event (hashed for determinism checks). */
  trace(kind: string, a: number, b: number): void;
  /** Name of a code-map address, for messages: `resume+2`. */
  symbolize(pc: number): string;
}

/** The CPU as dispatcher routines see it: registers, pc and effects. */
export interface SmExec extends CpuView {
  /** Local pc of the instruction being executed; set it for the next one. */
  pc: number;
  r0: unknown;
  r1: unknown;
  r2: unknown;
  r3: unknown;
  /**
   * Charge primitive `prim` (a P_* index of costs.ts) `n` times for this instruction,
   * instead of the default single `instruction`.
   */
  use(prim: number, n?: number): void;
  /** Charge primitive `prim` `n` more times on top of what the instruction already costs. */
  add(prim: number, n?: number): void;
  /** Kernel code only: `ns` of work that is no primitive of the cost table (a kernel daemon's burst). */
  work(ns: number): void;
  /** Continue at local pc 0 of another routine (a jump), keeping registers. */
  goto(routine: Routine, pc: number): void;
  /** Load a context and continue executing it (the final instruction of resume). */
  jump(ctx: Context): void;
  /** Trap into the kernel once this instruction ends; the answer lands in r0. */
  syscall(num: number, a1?: unknown, a2?: unknown): void;
  /** Test-and-set `cell` as this instruction (the caller charges `atomic`): the old value; non-zero is a spin. */
  tas(cell: Cell): number;
}

// ---------------------------------------------------------------------------------
// Primitive costs by index (costs.ts), for SmExec.use/add and the LIB instruction.
// ---------------------------------------------------------------------------------
export {
  P_ATOMIC, P_INSTRUCTION, P_PROCEDURE_CALL, P_THREAD_CREATE, P_USER_RESTORE, P_USER_SAVE,
} from './costs';

/** The O(1) ring deque (deque.ts), for the runtime's queues. */
export { Deque } from './deque';
