/**
 * KernelSemaphore: a counting semaphore kept in the kernel, so every wait and post is a
 * kernel call (Semaphore, by contrast, is user-level and crosses into the kernel only
 * to wake a kernel thread). A wait that finds no unit blocks the calling thread in the
 * kernel: its kernel thread under 1:1, N:1 and plain M:N; under scheduler activations
 * only the thread, reported by a `blocked` upcall, with the post's wake-up coming back
 * as an `unblocked` one. Signal-Wait on kernel semaphores is the paper's "upcall path".
 *
 * Invariants:
 *  1. The kernel object is created on first use in each process (SYS_KSEM_CREATE) and
 *     belongs to that process alone; the id is remembered per runtime, never globally.
 *  2. Waiters are served FIFO by the kernel; a post with no waiter adds a unit.
 */
import { SYS_KSEM_CREATE, SYS_KSEM_POST, SYS_KSEM_WAIT } from '../../kernel-sim/abi';
import type { SyscallResult } from '../../kernel-sim/abi';
import { ActivationsExhaustedError, ArgumentError } from '../errors';
import { here, syscallOp } from '../instr';
import type { Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';

export class KernelSemaphore implements Waitable {
  readonly label: string;
  private readonly ids = new WeakMap<Uls, number>();

  constructor(readonly initial = 0, name?: string) {
    if (typeof initial !== 'number' || !Number.isInteger(initial) || initial < 0) {
      throw new ArgumentError(`KernelSemaphore: initial value must be a non-negative integer, got ${String(initial)}`);
    }
    this.label = labelFor('ksemaphore', name);
  }

  /** Whoever would post it is unknown. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Take a unit, blocking in the kernel until one is posted. */
  *wait(): Generator<number, void, unknown> {
    const id = yield* this.id('KernelSemaphore.wait');
    const r = (yield syscallOp(SYS_KSEM_WAIT, id)) as SyscallResult;
    if (r.kind === 'ok') return;
    if (r.code === 'NO_ACTIVATION') throw new ActivationsExhaustedError(`KernelSemaphore.wait: ${this.label}: no activation left to block on (raise the process's maxActivations)`);
    throw new ArgumentError(`KernelSemaphore.wait: ${this.label}: the kernel refused (${r.code})`);
  }

  /** Give a unit: to the first thread blocked on it, else to the count. */
  *post(): Generator<number, void, unknown> {
    const id = yield* this.id('KernelSemaphore.post');
    const r = (yield syscallOp(SYS_KSEM_POST, id)) as SyscallResult;
    if (r.kind !== 'ok') throw new ArgumentError(`KernelSemaphore.post: ${this.label}: the kernel refused (${r.code})`);
  }

  /** The kernel object of the calling thread's process (created on first use). */
  private *id(api: string): Generator<number, number, unknown> {
    const uls = vcpuOf(here(api)).uls;
    const known = this.ids.get(uls);
    if (known !== undefined) return known;
    const r = (yield syscallOp(SYS_KSEM_CREATE, this.initial)) as SyscallResult;
    if (r.kind !== 'ok') throw new ArgumentError(`${api}: ${this.label}: the kernel refused to create it (${r.code})`);
    // RACE WINDOW: another thread of the process may have created one meanwhile; the
    // first answer stored wins (the other object is never used), so both use one object.
    const first = this.ids.get(uls);
    if (first !== undefined) return first;
    const id = r.value as number;
    this.ids.set(uls, id);
    return id;
  }
}
