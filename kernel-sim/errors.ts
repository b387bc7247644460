/**
 * Typed errors of the simulated machine. Every message starts with what was wrong
 * and where (a config path, a CPU, a pc), so a user can act on it.
 *
 * Invariants:
 *  1. ConfigError: bad input before the run starts. Never thrown mid-run.
 *  2. KernelPanic: a broken internal invariant (a bug in upcall, not in user code).
 *  3. ContextCorruption: a restore the simulator cannot perform faithfully (detection
 *     layer 3): running code at a pc on a foreign or already-resumed stack.
 */
export class UpcallError extends Error {
  override readonly name: string = 'UpcallError';
}

export class ConfigError extends UpcallError {
  override readonly name: string = 'ConfigError';
}

export class KernelPanic extends UpcallError {
  override readonly name: string = 'KernelPanic';
}

export class ContextCorruption extends UpcallError {
  override readonly name: string = 'ContextCorruption';
}

export function panic(where: string, what: string): never {
  throw new KernelPanic(`${where}: ${what}`);
}
