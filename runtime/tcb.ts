/**
 * Thread control blocks: the user-level runtime's record of a green thread.
 *
 * States (who holds the thread, who may change it):
 *  - ready:   on exactly one run queue (policy); changed under the process sched lock.
 *  - running: `current` of exactly one vCPU; changed by that vCPU's dispatcher code.
 *  - blocked: on one wait queue (or a timer list) with a BlockReason; a waker moves it
 *             to ready under the primitive's spinlock and then the sched lock.
 *  - exited:  finished; `result` holds its value until joined or detached.
 * Invariants:
 *  1. `saved` (the TCB slot) holds this thread's own continuation whenever the thread
 *     is ready or blocked (detection layer 2 checks every store).
 *  2. `queued` is true iff the thread sits on a run queue; never queued twice.
 *  3. Time accounting: since + the per-state buckets sum to the thread's lifetime.
 */
import type { Context, Stack } from '../kernel-sim/abi';
import type { OpenWindow } from './window';

/** Something a thread can wait for; `owners` names who would have to act (wait-for graph). */
export interface Waitable {
  readonly label: string;
  owners(): readonly Thread[];
}

export type BlockReason =
  | { readonly kind: 'join'; readonly on: Waitable }
  | { readonly kind: 'mutex'; readonly on: Waitable }
  | { readonly kind: 'cond'; readonly on: Waitable }
  | { readonly kind: 'semaphore'; readonly on: Waitable }
  | { readonly kind: 'rwlock'; readonly on: Waitable; readonly mode: 'read' | 'write' }
  | { readonly kind: 'barrier'; readonly on: Waitable }
  | { readonly kind: 'channel'; readonly on: Waitable; readonly op: 'send' | 'recv' }
  | { readonly kind: 'sleep'; readonly until: number }
  /** Blocked in the kernel (disk read or page-in), held by an activation. */
  | { readonly kind: 'kernel'; readonly activation: number };

export type ThreadState = 'ready' | 'running' | 'blocked' | 'exited';

/**
 * The legal state changes. ready -> ready admits a new thread (it is born ready);
 * blocked -> running is a thread blocked in the kernel continued at once by
 * critical-section recovery.
 */
const LEGAL: Readonly<Record<ThreadState, readonly ThreadState[]>> = {
  ready: ['ready', 'running'],
  running: ['ready', 'blocked', 'exited'],
  blocked: ['ready', 'running'],
  exited: [],
};

/** The process runtime a thread belongs to (its owner: one per process of one machine). */
export interface ThreadHome {
  readonly process: number;
  readonly name: string;
  /** Prefix of thread labels: '' on a machine with one process, else the process name and '/'. */
  readonly labelPrefix: string;
}

/** The public face of a thread handle. */
export interface Thread<T = unknown> {
  readonly id: number;
  readonly name: string;
  /** Phantom: the type of the thread's result. */
  readonly __result?: T;
}

export class Tcb implements Thread, Waitable {
  // --- immutable after spawn ---
  stack!: Stack;
  /** Rarely used fields (label text, recovery, race windows, check stamps), made on first write. */
  private side: TcbSide | null = null;

  // --- guarded by the process sched lock / the owning vCPU (see header) ---
  state: ThreadState = 'ready';
  saved: Context | null = null;
  queued = false;
  reason: BlockReason | null = null;
  /** Value handed over by the waker (join result, hand-off unit, received message). */
  wakeValue: unknown = undefined;
  result: unknown = undefined;
  joiner: Tcb | null = null;
  joined = false;
  detached = false;
  /** Absolute wake time while sleeping. */
  until = 0;
  /** 1:1 only: index (in the process) of the kernel thread that runs this thread. */
  kt = -1;
  /** SpinLocks this thread holds now. */
  locksHeld = 0;
  /** Made ready at least once (false between spawn's create and its enqueue: in transit, not lost). */
  admitted = false;
  /** Neighbours on its process's list of unreleased threads (Uls.unreleased), in creation order. */
  prevHeld: Tcb | null = null;
  nextHeld: Tcb | null = null;

  // --- statistics ---
  since: number;
  runTime = 0;
  readyTime = 0;
  blockedTime = 0;
  switches = 0;
  readonly created: number;
  finished = -1;

  /** The error it died of (an uncaught throw under onThreadError: 'thread'), or null. */
  crash: Error | null = null;

  constructor(readonly id: number, readonly name: string, readonly home: ThreadHome, now: number) {
    this.since = now;
    this.created = now;
  }

  /** Index of the owning process. */
  get process(): number {
    return this.home.process;
  }

  /** `T3(worker)`, or `server/T3(worker)` on a machine with several processes: built when a message first needs it. */
  get label(): string {
    const s = this.ext();
    return s.label ?? (s.label = `${this.home.labelPrefix}T${this.id}(${this.name})`);
  }

  private ext(): TcbSide {
    return this.side ?? (this.side = new TcbSide());
  }

  // The side record's fields, as properties of the thread. A write of the default
  // value to a thread without a side record allocates nothing.

  /** Recover mode: user-level scheduler spinlocks held (critical sections entered). */
  get spinDepth(): number {
    return this.side === null ? 0 : this.side.spinDepth;
  }
  set spinDepth(n: number) {
    if (n !== 0 || this.side !== null) this.ext().spinDepth = n;
  }

  /** Recover mode: continued by an upcall until it leaves its critical section. */
  get recovering(): boolean {
    return this.side === null ? false : this.side.recovering;
  }
  set recovering(b: boolean) {
    if (b || this.side !== null) this.ext().recovering = b;
  }

  /** Open race windows (runtime/window.ts), innermost last (null until the first is entered). */
  get windows(): OpenWindow[] | null {
    return this.side === null ? null : this.side.windows;
  }
  set windows(w: OpenWindow[] | null) {
    if (w !== null || this.side !== null) this.ext().windows = w;
  }

  /** Entries per window name so far. */
  get windowEntries(): Map<string, number> | null {
    return this.side === null ? null : this.side.windowEntries;
  }
  set windowEntries(m: Map<string, number> | null) {
    if (m !== null || this.side !== null) this.ext().windowEntries = m;
  }

  /** Simulated time of its last yieldNow (or sleep(0)); -1: never (livelock reports). */
  get yieldedAt(): number {
    return this.side === null ? -1 : this.side.yieldedAt;
  }
  set yieldedAt(n: number) {
    if (n !== -1 || this.side !== null) this.ext().yieldedAt = n;
  }

  /** The SpinLock it is spinning for right now (null: none), for livelock reports. */
  get spinningOn(): Waitable | null {
    return this.side === null ? null : this.side.spinningOn;
  }
  set spinningOn(w: Waitable | null) {
    if (w !== null || this.side !== null) this.ext().spinningOn = w;
  }

  /** Scratch stamp of run-queue well-formedness passes (policy.ts, test mode). */
  get stamp(): number {
    return this.side === null ? 0 : this.side.stamp;
  }
  set stamp(n: number) {
    if (n !== 0 || this.side !== null) this.ext().stamp = n;
  }

  /**
   * The stable path of the thread (race testing: Uls.paths): `main` for the first thread,
   * else the parent's path, `/`, the 1-based index among the parent's spawns, `:` and the
   * body's name (`main/2:worker`). Null when paths are off.
   */
  get path(): string | null {
    return this.side === null ? null : this.side.path;
  }

  /** Give the thread its path (once, at creation) as the `spawned`-th child of `parent`. */
  setPath(parent: Tcb | null, body: string): void {
    if (parent === null) {
      this.ext().path = body;
      return;
    }
    const ps = parent.ext();
    ps.spawned++;
    this.ext().path = `${ps.path ?? `T${parent.id}`}/${ps.spawned}:${body}`;
  }

  owners(): readonly Thread[] {
    return [this];
  }

  /**
   * The one checked state change: the thread must be in `from`, and from -> to must be
   * an edge of LEGAL; the time spent in the old state is charged to its bucket.
   */
  transition(from: ThreadState, to: ThreadState, now: number): void {
    if (this.state !== from) this.illegal(from, to);
    const dt = now - this.since;
    // (the edges of LEGAL, spelled out: this runs at every switch)
    switch (from) {
      case 'ready':
        if (to !== 'running' && to !== 'ready') this.illegal(from, to);
        this.readyTime += dt;
        break;
      case 'running':
        if (to === 'running') this.illegal(from, to);
        this.runTime += dt;
        break;
      case 'blocked':
        if (to !== 'ready' && to !== 'running') this.illegal(from, to);
        this.blockedTime += dt;
        break;
      case 'exited':
        this.illegal(from, to);
        break;
      default: {
        const never: never = from;
        throw new Error(`tcb.transition: bad state ${String(never)}`);
      }
    }
    this.state = to;
    this.since = now;
    if (to === 'exited') this.finished = now;
  }

  private illegal(from: ThreadState, to: ThreadState): never {
    if (!(LEGAL[from] as readonly ThreadState[]).includes(to) || this.state !== from) {
      throw new Error(`tcb.transition: ${this.label} is ${this.state}, cannot go ${from} -> ${to}`);
    }
    throw new Error(`tcb.transition: ${from} -> ${to} is legal but was refused (a bug in the check)`);
  }
}

/** The rarely used part of a TCB, allocated on first write (most threads never need it). */
class TcbSide {
  label: string | null = null;
  spinDepth = 0;
  recovering = false;
  windows: OpenWindow[] | null = null;
  windowEntries: Map<string, number> | null = null;
  stamp = 0;
  yieldedAt = -1;
  spinningOn: Waitable | null = null;
  path: string | null = null;
  spawned = 0;
}
