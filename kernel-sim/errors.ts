/**
 * Typed errors of the simulated machine. Every message starts with what was wrong
 * and where (a config path, a CPU, a pc), so a user can act on it; every class has a
 * stable `code` (the README's error table lists them all).
 *
 * Invariants:
 *  1. ConfigError: bad input, a setup mistake. Thrown before the run starts, except a
 *     race test's setup mistake found during a run (upcall/testing: a page fault a replay
 *     string lands in disabled code, a window named after a routine), which ends it.
 *  2. KernelPanic: a broken internal invariant (a bug in upcall, not in user code).
 *  3. ContextCorruption: a restore the simulator cannot perform faithfully (detection
 *     layer 3): running code at a pc on a foreign or already-resumed stack.
 *  4. ThreadCrashError and ProcessFault are never thrown out of Machine.run(): they are
 *     the `error` of a process's fault end (and of the run's outcome), with the
 *     original error as `cause`.
 *  5. DecisionError: a decision source answered something the machine cannot use; it is
 *     the host program's mistake, so run() throws it.
 */
export class UpcallError extends Error {
  override readonly name: string = 'UpcallError';
  readonly code: string = 'ERR_UPCALL';
}

export class ConfigError extends UpcallError {
  override readonly name: string = 'ConfigError';
  override readonly code: string = 'ERR_CONFIG';
}

export class KernelPanic extends UpcallError {
  override readonly name: string = 'KernelPanic';
  override readonly code: string = 'ERR_KERNEL_PANIC';
}

export class ContextCorruption extends UpcallError {
  override readonly name: string = 'ContextCorruption';
  override readonly code: string = 'ERR_CONTEXT_CORRUPTION';
  /** The dispatcher (kernel index) whose process it is the fault of, when the finder knew it. */
  dcb: number | null = null;
}

/** A decision source's answer was non-finite, out of range or of the wrong type. */
export class DecisionError extends UpcallError {
  override readonly name: string = 'DecisionError';
  override readonly code: string = 'ERR_DECISION';
}

/** Where a fault happened: enough to find it without a debugger. */
export interface FaultSite {
  readonly process: string;
  /** The thread's label (null: the fault was not in a thread, e.g. in dispatcher code). */
  readonly thread: string | null;
  /** vCPU (dispatcher) index within the process, or null. */
  readonly vcpu: number | null;
  /** Symbolic pc (`resume+1`, `user`), with the last thread operation called when known. */
  readonly pc: string;
  /** Simulated ns. */
  readonly time: number;
  /** Labels of the locks the thread held (Mutex, RwLock, SpinLock). */
  readonly locksHeld: readonly string[];
}

function withCause(e: Error, cause: unknown): void {
  Object.defineProperty(e, 'cause', { value: cause, enumerable: false, writable: true, configurable: true });
}

/** A green thread died of an uncaught error (the `cause`, whatever was thrown). */
export class ThreadCrashError extends UpcallError {
  override readonly name: string = 'ThreadCrashError';
  override readonly code: string = 'ERR_THREAD_CRASH';
  constructor(message: string, readonly site: FaultSite, cause: unknown) {
    super(message);
    withCause(this, cause);
  }

  /** The dead thread's label. */
  get thread(): string {
    return this.site.thread ?? '?';
  }

  get time(): number {
    return this.site.time;
  }

  /** What the thread threw (the same as `cause`). */
  get error(): unknown {
    return (this as { cause?: unknown }).cause;
  }
}

/**
 * A process broke the machine's rules: a user-writable field the kernel refused (`field`
 * names it), a corrupted context, or an exception in its own dispatcher code (`cause`).
 */
export class ProcessFault extends UpcallError {
  override readonly name: string = 'ProcessFault';
  override readonly code: string = 'ERR_PROCESS_FAULT';
  constructor(message: string, readonly site: FaultSite, readonly field: string | null, cause?: unknown) {
    super(message);
    if (cause !== undefined) withCause(this, cause);
  }
}

export function panic(where: string, what: string): never {
  throw new KernelPanic(`${where}: ${what}`);
}

/** `TypeError: x is not a function`, or `a non-Error value: 42`; nothing the value runs escapes. */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) {
    try {
      return `${String(e.name)}: ${String(e.message)}`;
    } catch {
      return 'an Error whose name or message cannot be read';
    }
  }
  return `a non-Error value: ${describeUntrusted(e)}`;
}

/** A string for any value a process handed the kernel, without trusting it (nothing it throws escapes). */
export function describeUntrusted(v: unknown): string {
  try {
    return describeValue(v);
  } catch {
    return 'an unprintable value';
  }
}

function describeValue(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 60 ? `${v.slice(0, 60)}…` : v);
    case 'number':
    case 'boolean':
    case 'undefined':
    case 'bigint':
      return String(v);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object':
      return v === null ? 'null' : Array.isArray(v) ? `an array of ${v.length}` : `an object (${Object.prototype.toString.call(v)})`;
    default:
      return typeof v;
  }
}
