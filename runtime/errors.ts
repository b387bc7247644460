/**
 * Typed errors of the threads API. Each names the operation, the thread and what was
 * wrong, so misuse is found where it happened.
 *
 * Invariants:
 *  1. Misuse errors are thrown inside the offending green thread (it may catch them);
 *     uncaught, they crash the thread (a ThreadCrashError with this error as cause, in
 *     its process's fault end, or its joiner's join under onThreadError: 'thread').
 *  2. Messages start with the API name: "join: ...".
 *  3. Every class has a stable `code` (the README's error table).
 */
import { RUNNING, UpcallError } from '../kernel-sim/abi';

export class ThreadApiError extends UpcallError {
  override readonly name: string = 'ThreadApiError';
  override readonly code: string = 'ERR_THREAD_API';
  /** The thread that misused the API, and the simulated time (null: not raised inside a thread). */
  readonly thread: string | null;
  readonly time: number | null;
  /** The message without the thread and time. */
  readonly detail: string;

  constructor(message: string) {
    // Raised inside a green thread: say which and when (the CPU running it is the
    // dynamic scope RUNNING), so the error alone tells where it happened.
    const cpu = RUNNING.cpu;
    const st = cpu?.stack ?? null;
    const thread = st === null ? null : st.label;
    const time = cpu === null ? null : cpu.now;
    super(thread === null ? message : `${message} [in ${thread} on cpu${String(cpu?.index)} at t=${String(time)}ns]`);
    this.thread = thread;
    this.time = time;
    this.detail = message;
  }
}
/** join(self()). */
export class JoinSelfError extends ThreadApiError {
  override readonly name: string = 'JoinSelfError';
  override readonly code: string = 'ERR_JOIN_SELF';
}
/** join of a detached thread. */
export class JoinDetachedError extends ThreadApiError {
  override readonly name: string = 'JoinDetachedError';
  override readonly code: string = 'ERR_JOIN_DETACHED';
}
/** join of a thread that another thread joins or already joined. */
export class JoinTwiceError extends ThreadApiError {
  override readonly name: string = 'JoinTwiceError';
  override readonly code: string = 'ERR_JOIN_TWICE';
}
/** detach of a detached or joined thread. */
export class DetachError extends ThreadApiError {
  override readonly name: string = 'DetachError';
  override readonly code: string = 'ERR_DETACH';
}
/** unlock of a mutex (or release of a lock) the caller does not hold. */
export class NotOwnerError extends ThreadApiError {
  override readonly name: string = 'NotOwnerError';
  override readonly code: string = 'ERR_NOT_OWNER';
}
/** lock of a non-recursive lock the caller already holds (a certain self-deadlock). */
export class RecursiveLockError extends ThreadApiError {
  override readonly name: string = 'RecursiveLockError';
  override readonly code: string = 'ERR_RECURSIVE_LOCK';
}
/** A blocking call found the process's activation pool exhausted (raise maxActivations). */
export class ActivationsExhaustedError extends ThreadApiError {
  override readonly name: string = 'ActivationsExhaustedError';
  override readonly code: string = 'ERR_ACTIVATIONS_EXHAUSTED';
}
/** A thread operation driven outside a green thread (not by the simulator). */
export class OutsideThreadError extends ThreadApiError {
  override readonly name: string = 'OutsideThreadError';
  override readonly code: string = 'ERR_OUTSIDE_THREAD';
}
/** A bad argument to a thread operation (negative time, bad capacity, ...). */
export class ArgumentError extends ThreadApiError {
  override readonly name: string = 'ArgumentError';
  override readonly code: string = 'ERR_ARGUMENT';
}
/** A thread yielded something that is not an upcall instruction. */
export class IllegalInstructionError extends ThreadApiError {
  override readonly name: string = 'IllegalInstructionError';
  override readonly code: string = 'ERR_ILLEGAL_INSTRUCTION';
}
/** A thread handle used in a process it does not belong to. */
export class ForeignThreadError extends ThreadApiError {
  override readonly name: string = 'ForeignThreadError';
  override readonly code: string = 'ERR_FOREIGN_THREAD';
}

/** A sync object used by a process (or a machine) other than the one it belongs to. */
export class ForeignObjectError extends ThreadApiError {
  override readonly name: string = 'ForeignObjectError';
  override readonly code: string = 'ERR_FOREIGN_OBJECT';
}

/**
 * A broken runtime invariant: a bug in upcall's runtime or runtime state the process
 * itself corrupted (its own fault, contained to it).
 */
export class RuntimePanic extends UpcallError {
  override readonly name: string = 'RuntimePanic';
  override readonly code: string = 'ERR_RUNTIME_PANIC';
}

export function panic(where: string, what: string): never {
  throw new RuntimePanic(`${where}: ${what}`);
}
