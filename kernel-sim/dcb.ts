/**
 * Kernel-private dispatcher control block (Barrelfish `struct dcb`) and the kernel's
 * view of a process.
 *
 * Invariants:
 *  1. `kdisabled` is the kernel's own copy of "last saved while disabled"; dispatch()
 *     consults it, never the user-writable `shared.disabled`.
 *  2. A dcb is in exactly one of the states below; only the kernel changes it.
 *  3. A removed dcb (process exited, or too many faults while disabled) never runs again.
 */
import type { DispatcherShared } from './abi';

export type DcbState =
  /** In its CPU's run queue (possibly running). */
  | 'runnable'
  /** Off the run queue after sys_yield with no work; may have a wakeup armed. */
  | 'blocked'
  /** Never runs again. */
  | 'removed';

export class Dcb {
  kdisabled = true;
  faultsTaken = 0;
  state: DcbState = 'blocked';
  /** Generation of the armed wakeup (stale wakeup events are ignored). */
  wakeupGen = 0;
  /** Time the dcb was last put on a CPU, or -1 while it is not on one. */
  onCpuSince = -1;
  /** Simulated ns spent on a CPU. */
  busy = 0;

  constructor(
    readonly index: number,
    readonly proc: KProcess,
    readonly shared: DispatcherShared,
    /** CPU this vCPU is placed on. */
    readonly cpu: number,
  ) {}
}

export type ProcessEnd =
  | { readonly kind: 'running' }
  | { readonly kind: 'exited'; readonly time: number }
  | { readonly kind: 'fault'; readonly time: number; readonly message: string };

export class KProcess {
  readonly dcbs: Dcb[] = [];
  readonly mapped = new Set<number>();
  end: ProcessEnd = { kind: 'running' };

  constructor(readonly id: number, readonly name: string) {}
}
