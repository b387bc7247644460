/**
 * Section: the library frame of every one-lock operation (Mutex lock/unlock/tryLock,
 * Semaphore wait/post/tryWait, Channel send/recv, join, detach), as a state machine
 * (runtime/libframe.ts) instead of a generator per call. One shape serves them all:
 *
 *   [csEnter]  spin(lock)  decide  ( block on lock  |  [wake t]  release  [csLeave [csBack]] )
 *
 * `decide` is the operation's one library call, run with the lock held. It reads the
 * frame's operands (`obj`, `arg`) and writes the verdict: go on (with a result, or an
 * error thrown once the lock is released and the section left), wait (with the block
 * reason), and optionally a thread to wake with a value before the release.
 *
 * Invariants:
 *  1. The instructions are those of the generator frames this replaces (libframe.ts
 *     invariant 1): csEnter only where the runtime marks critical sections, the TAS
 *     loop, one LIB, then either the block TRAP or the release STORE and csLeave.
 *  2. A waiter's context is in its TCB before `lock` is released (the block routine
 *     releases it, park.ts invariant 1); a waker holds `lock` while it wakes.
 *  3. An error verdict is thrown only after the lock is released and the section left
 *     (thread-api.ts invariant 2).
 */
import { RUNNING } from '../../kernel-sim/abi';
import type { Cell, CpuView, Frame } from '../../kernel-sim/abi';
import { lib, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import { HELD, LibFrame } from '../libframe';
import type { BlockReason, Tcb } from '../tcb';
import { vcpuOf } from '../uls';
import { blockOp } from './park';

/** decide's verdicts. */
export const GO = 0;
export const WAIT = 1;
/** Go on, then throw `result` (an Error) once the section is left. */
export const FAIL = 2;

/** What a waiter does when it is woken: nothing, return its wake value, or a join's check. */
export const AFTER_NONE = 0;
export const AFTER_WOKEN = 1;
export const AFTER_JOIN = 2;

/** The operation's decision, one library call with `lock` held. */
export type Decide = (cpu: CpuView, f: Section) => void;

const S_START = 0;
const S_SPIN = 1;
const S_DECIDED = 2;
const S_WAKE = 3;
const S_RELEASE = 4;
const S_RELEASED = 5;
const S_LEFT = 6;
const S_END = 7;
const S_WOKEN = 8;

/**
 * The calling thread's Section for one operation on `lock`: the stack's spare frame,
 * re-armed (a Section never CALLs, so it is alone at the top of its stack while it
 * runs and one per stack is enough), or a new one when the spare is busy.
 */
export function section(lock: Cell, decide: Decide, obj: unknown, arg: unknown): Frame {
  const cpu = RUNNING.cpu;
  if (cpu === null || cpu.stack === null) return new Section().arm(lock, decide, obj, arg).asFrame(); // a caller outside a thread fails at its CALL
  const st = cpu.stack;
  let f = st.spare as Section | null;
  if (f === null || !f.done) {
    f = new Section();
    if (st.spare === null) st.spare = f;
  }
  return f.arm(lock, decide, obj, arg).asFrame();
}

export class Section extends LibFrame {
  /** Marks critical sections (activations): read at the frame's first resume. */
  private marks = false;
  verdict = GO;
  /** GO: the value returned; FAIL: the Error thrown. */
  result: unknown = undefined;
  reason: BlockReason | null = null;
  after = AFTER_NONE;
  /** Threads to wake, all with wakeV (broadcast, a barrier's last arrival, readers granted together); decide sets this or wakeT, never both. */
  wakeList: readonly Tcb[] | null = null;
  private wakeAt = 0;
  private lock: Cell | null = null;
  private decide: Decide | null = null;
  /** The primitive (or the thread joined), and an operand such as a sent value. */
  obj: unknown = undefined;
  arg: unknown = undefined;

  constructor() {
    super();
    this.done = true; // idle until armed
  }

  /** Ready the frame for one operation (all state reset). */
  arm(lock: Cell, decide: Decide, obj: unknown, arg: unknown): this {
    this.reset();
    this.marks = false;
    this.verdict = GO;
    this.result = undefined;
    this.reason = null;
    this.after = AFTER_NONE;
    this.wakeList = null;
    this.wakeAt = 0;
    this.lock = lock;
    this.decide = decide;
    this.obj = obj;
    this.arg = arg;
    return this;
  }

  protected step(v: unknown): number {
    for (;;) {
      switch (this.pc) {
        case S_START:
          this.marks = marksHere();
          this.pc = S_SPIN;
          if (this.marks) return csEnter();
          continue;
        case S_SPIN: {
          const op = this.spin(this.lock as Cell, v);
          if (op !== HELD) return op;
          this.pc = S_DECIDED;
          return lib(this.decide as Decide, this);
        }
        case S_DECIDED:
          if (this.verdict === WAIT) {
            this.pc = S_WOKEN;
            return blockOp(this.lock as Cell, this.reason as BlockReason); // returns enabled, woken
          }
          if (this.wakeT === null && this.wakeList !== null && this.wakeList.length > 0) this.wakeT = this.wakeList[0] as Tcb;
          this.pc = this.wakeT !== null ? S_WAKE : S_RELEASE;
          continue;
        case S_WAKE: {
          const op = this.wake(vcpuOf(here()).uls, v);
          if (op !== HELD) return op;
          const list = this.wakeList;
          if (list !== null && ++this.wakeAt < list.length) {
            this.wakeT = list[this.wakeAt] as Tcb; // the next one, woken with the same value
            continue;
          }
          this.wakeT = null;
          this.wakeV = undefined;
          this.wakeList = null;
          this.pc = S_RELEASE;
          continue;
        }
        case S_RELEASE:
          this.pc = S_RELEASED;
          return store(this.lock as Cell, 0);
        case S_RELEASED:
          this.pc = S_END;
          if (this.marks) {
            this.pc = S_LEFT;
            return csLeave();
          }
          continue;
        case S_LEFT:
          this.pc = S_END;
          if (v === true) return csBack();
          continue;
        case S_END: {
          const r = this.result;
          this.release();
          if (this.verdict === FAIL) throw r;
          return this.finish(r);
        }
        case S_WOKEN: {
          const t = this.obj;
          const after = this.after;
          this.release();
          return this.finish(afterWake(after, t));
        }
        default:
          throw new Error(`Section: bad pc ${this.pc}`);
      }
    }
  }

  /** Drop the operands (a spare frame must not keep a primitive or a value alive). */
  private release(): void {
    this.wakeT = null;
    this.wakeV = undefined;
    this.wakeList = null;
    this.lock = null;
    this.decide = null;
    this.obj = undefined;
    this.arg = undefined;
    this.result = undefined;
    this.reason = null;
  }

  override throw(e?: unknown): IteratorResult<number, unknown> {
    this.release();
    return super.throw(e);
  }
}

/** What a woken waiter returns (`t`: the Section's obj, the thread a join waited for). */
function afterWake(after: number, t: unknown): unknown {
  switch (after) {
    case AFTER_NONE:
      return undefined;
    case AFTER_WOKEN:
      return (vcpuOf(here()).current as Tcb).wakeValue;
    case AFTER_JOIN: {
      if ((t as Tcb).crash !== null) throw (t as Tcb).crash; // it died of an uncaught error (onThreadError 'thread')
      return (vcpuOf(here()).current as Tcb).wakeValue;
    }
    default:
      throw new Error(`Section: bad after ${after}`);
  }
}

function here(): CpuView {
  const cpu = RUNNING.cpu;
  if (cpu === null) throw new Error('Section: resumed outside a CPU');
  return cpu;
}
