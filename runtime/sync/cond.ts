/**
 * Condition variable (Barrelfish thread_cond): a FIFO wait queue guarded by a spinlock
 * word, taken while disabled. wait() releases the caller's mutex while disabled and
 * holding the cond spinlock, so a signal cannot slip in between the unlock and the block.
 *
 * Invariants:
 *  1. No lost wake-up: a waiter is on `waiters` before the cond spinlock is released,
 *     and signal/broadcast need that spinlock to find it. The mutex is released only
 *     while the cond spinlock is held, so a signaller that took the mutex after us
 *     waits for the spinlock until we are blocked.
 *  2. Every waiter is blocked on this cond with reason 'cond' and is on `waiters`
 *     exactly once; signal wakes the head (FIFO), broadcast all, in queue order.
 *  3. wait() returns holding the mutex again (it re-locks after the wake-up, which may
 *     block on the mutex); a caller that does not hold the mutex gets NotOwnerError
 *     and is neither queued nor blocked.
 *  4. Lock order: cond spinlock, then mutex spinlock, then the sched lock.
 */
import { Cell, Deque, RUNNING } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import { HELD, LibFrame } from '../libframe';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { lockTry, Mutex, release } from './mutex';
import type { LockTry } from './mutex';
import { blockOp, labelFor } from './park';
import { bindOwner } from './owner';
import { section } from './section';
import type { Section } from './section';
import { ArgumentError, NotOwnerError } from '../errors';

export class Cond implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly waiters = new Deque<Tcb>();
  /** Times a signal or broadcast woke at least one thread. */
  wakeups = 0;

  /** The reason its waiters block with (one record for all of them). */
  readonly blockReason: BlockReason;

  constructor(name?: string) {
    this.label = labelFor('cond', name);
    this.spin = new Cell(0, this.label);
    this.blockReason = { kind: 'cond', on: this };
  }

  /** Nobody holds a cond; whoever would signal it is unknown. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Atomically release m and wait for a signal; returns holding m again. */
  wait(m: Mutex): Generator<number, void, unknown> {
    const cpu = here('Cond.wait');
    if (!(m instanceof Mutex)) {
      throw new ArgumentError(`Cond.wait: ${this.label} needs the Mutex that guards it, got ${m === null ? 'null' : typeof m}`);
    }
    bindOwner(this, cpu, 'Cond.wait');
    bindOwner(m, cpu, 'Cond.wait');
    return one<void>(callOp(new CondWaitFrame(this, m).asFrame()));
  }

  /** Wake the first waiter, if any. */
  signal(): Generator<number, void, unknown> {
    bindOwner(this, here('Cond.signal'), 'Cond.signal');
    return one<void>(callOp(section(this.spin, signalDecide, this, undefined)));
  }

  /** Wake every waiter. */
  broadcast(): Generator<number, void, unknown> {
    bindOwner(this, here('Cond.broadcast'), 'Cond.broadcast');
    return one<void>(callOp(section(this.spin, broadcastDecide, this, undefined)));
  }
}

// signal and broadcast: Section verdicts (runtime/sync/section.ts), obj the cond.
function signalDecide(_cpu: CpuView, f: Section): void {
  const c = f.obj as Cond;
  if (c.waiters.length === 0) return;
  c.wakeups++;
  f.wakeT = c.waiters.shift() as Tcb;
}

function broadcastDecide(_cpu: CpuView, f: Section): void {
  const c = f.obj as Cond;
  if (c.waiters.length === 0) return;
  c.wakeups++;
  f.wakeList = c.waiters.drain();
}

function enqueue(cpu: CpuView, c: Cond): void {
  c.waiters.push(vcpuOf(cpu).current as Tcb);
}

function releaseLib(cpu: CpuView, mu: Mutex): Tcb | Error | null {
  return release(cpu, mu);
}

function relockLib(cpu: CpuView, mu: Mutex): LockTry {
  return lockTry(cpu, mu);
}

const W_START = 0;
const W_SPIN = 1;
const W_MU_SPIN = 2;
const W_RELEASED = 3;
const W_FAIL_MU = 4;
const W_FAIL_COND = 5;
const W_FAIL_LEFT = 6;
const W_FAIL_END = 7;
const W_WAKE = 8;
const W_MU_FREE = 9;
const W_QUEUED = 10;
const W_WOKEN = 11;
const W_RELOCK_SPIN = 12;
const W_RELOCK_TRIED = 13;
const W_RELOCK_FREE = 14;
const W_RELOCK_LEFT = 15;
const W_RELOCK_BACK = 16;
const W_DONE = 17;
const W_END = 18;

/**
 * Cond.wait as a state machine (runtime/libframe.ts): [csEnter] the cond's spinlock; the
 * mutex released (its spinlock, the release, a hand-off wake, its store); queued; the
 * block that releases the cond's spinlock; then, woken and enabled, the mutex taken
 * again in this same frame ([csEnter] its spinlock, the try, the block or the release
 * and [csLeave [csBack]]). The instructions are those of the generator it replaces.
 */
class CondWaitFrame extends LibFrame {
  private marks = false;
  private error: Error | null = null;

  constructor(
    private readonly c: Cond,
    private readonly mu: Mutex,
  ) {
    super();
  }

  protected step(v: unknown): number {
    for (;;) {
      switch (this.pc) {
        case W_START:
          this.marks = marksHere();
          this.pc = W_SPIN;
          if (this.marks) return csEnter();
          continue;
        case W_SPIN: {
          const op = this.spin(this.c.spin, v);
          if (op !== HELD) return op;
          this.pc = W_MU_SPIN;
          continue;
        }
        case W_MU_SPIN: {
          const op = this.spin(this.mu.spin, v);
          if (op !== HELD) return op;
          this.pc = W_RELEASED;
          return lib(releaseLib, this.mu); // NotOwnerError unless we hold mu
        }
        case W_RELEASED: {
          const r = v as Tcb | Error | null;
          if (r instanceof Error) {
            // Say which call was misused: the caller called wait, not unlock.
            this.error = r instanceof NotOwnerError ? new NotOwnerError(`Cond.wait on ${this.c.label}: ${r.detail.replace(/^Mutex\.unlock: /, '')}; wait needs the mutex held`) : r;
            this.pc = W_FAIL_MU;
            return store(this.mu.spin, 0);
          }
          this.wakeT = r;
          this.pc = r !== null ? W_WAKE : W_MU_FREE;
          continue;
        }
        case W_FAIL_MU:
          this.pc = W_FAIL_COND;
          return store(this.c.spin, 0);
        case W_FAIL_COND:
          this.pc = W_FAIL_END;
          if (this.marks) {
            this.pc = W_FAIL_LEFT;
            return csLeave();
          }
          continue;
        case W_FAIL_LEFT:
          this.pc = W_FAIL_END;
          if (v === true) return csBack();
          continue;
        case W_FAIL_END:
          throw this.error;
        case W_WAKE: {
          const op = this.wake(vcpuOf(RUNNING.cpu as CpuView).uls, v);
          if (op !== HELD) return op;
          this.wakeT = null;
          this.pc = W_MU_FREE;
          continue;
        }
        case W_MU_FREE:
          this.pc = W_QUEUED;
          return store(this.mu.spin, 0);
        case W_QUEUED:
          this.pc = W_WOKEN;
          return lib(enqueue, this.c);
        case W_WOKEN:
          this.pc = W_RELOCK_SPIN;
          return blockOp(this.c.spin, this.c.blockReason); // returns enabled
        case W_RELOCK_SPIN:
          // Woken: take the mutex again, inside this frame (as a monitor's wait does).
          this.pc = W_RELOCK_TRIED;
          if (this.marks) return csEnter();
          continue;
        case W_RELOCK_TRIED: {
          const op = this.spin(this.mu.spin, v);
          if (op !== HELD) return op;
          this.pc = W_RELOCK_FREE;
          return lib(relockLib, this.mu);
        }
        case W_RELOCK_FREE: {
          const r = v as LockTry;
          if (r.kind === 'wait') {
            this.pc = W_END;
            return blockOp(this.mu.spin, this.mu.blockReason); // woken as the holder
          }
          if (r.kind === 'error') this.error = r.error;
          this.pc = W_RELOCK_LEFT;
          return store(this.mu.spin, 0);
        }
        case W_RELOCK_LEFT:
          this.pc = W_DONE;
          if (this.marks) {
            this.pc = W_RELOCK_BACK;
            return csLeave();
          }
          continue;
        case W_RELOCK_BACK:
          this.pc = W_DONE;
          if (v === true) return csBack();
          continue;
        case W_DONE:
          if (this.error !== null) throw this.error; // a recursive lock (cannot happen: we released it)
          return this.finish(undefined);
        case W_END:
          return this.finish(undefined);
        default:
          throw new Error(`CondWaitFrame: bad pc ${this.pc}`);
      }
    }
  }
}
