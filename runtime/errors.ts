/**
 * Typed errors of the threads API. Each names the operation, the thread and what was
 * wrong, so misuse is found where it happened.
 *
 * Invariants:
 *  1. Misuse errors are thrown inside the offending green thread (it may catch them);
 *     uncaught, they end the run and Machine.run() rethrows them.
 *  2. Messages start with the API name: "join: ...".
 */
export class ThreadApiError extends Error {
  override readonly name: string = 'ThreadApiError';
}
/** join(self()). */
export class JoinSelfError extends ThreadApiError {
  override readonly name: string = 'JoinSelfError';
}
/** join of a detached thread. */
export class JoinDetachedError extends ThreadApiError {
  override readonly name: string = 'JoinDetachedError';
}
/** join of a thread that another thread joins or already joined. */
export class JoinTwiceError extends ThreadApiError {
  override readonly name: string = 'JoinTwiceError';
}
/** detach of a detached or joined thread. */
export class DetachError extends ThreadApiError {
  override readonly name: string = 'DetachError';
}
/** unlock of a mutex (or release of a lock) the caller does not hold. */
export class NotOwnerError extends ThreadApiError {
  override readonly name: string = 'NotOwnerError';
}
/** lock of a non-recursive lock the caller already holds (a certain self-deadlock). */
export class RecursiveLockError extends ThreadApiError {
  override readonly name: string = 'RecursiveLockError';
}
/** A blocking call found the process's activation pool exhausted (raise maxActivations). */
export class ActivationsExhaustedError extends ThreadApiError {
  override readonly name: string = 'ActivationsExhaustedError';
}
/** A thread operation driven outside a green thread (not by the simulator). */
export class OutsideThreadError extends ThreadApiError {
  override readonly name: string = 'OutsideThreadError';
}
/** A bad argument to a thread operation (negative time, bad capacity, ...). */
export class ArgumentError extends ThreadApiError {
  override readonly name: string = 'ArgumentError';
}
/** A thread yielded something that is not an upcall instruction. */
export class IllegalInstructionError extends ThreadApiError {
  override readonly name: string = 'IllegalInstructionError';
}
/** A thread handle used in a process it does not belong to. */
export class ForeignThreadError extends ThreadApiError {
  override readonly name: string = 'ForeignThreadError';
}

/** A broken runtime invariant: a bug in upcall's runtime, never user misuse. */
export class RuntimePanic extends Error {
  override readonly name: string = 'RuntimePanic';
}

export function panic(where: string, what: string): never {
  throw new RuntimePanic(`${where}: ${what}`);
}
