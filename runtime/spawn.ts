/**
 * spawn's library frame as a state machine (runtime/libframe.ts): create the thread
 * (one library call charging thread_create), then either its own kernel thread (1:1)
 * or the enqueue under the sched lock and the notify of a claimed vCPU.
 *
 * Invariants:
 *  1. The instructions are those of the generator frame this replaces (libframe.ts
 *     invariant 1): LIB create; under 1:1 one SYSCALL kt_create; else [csEnter] TAS...
 *     [LIB busy] LIB ready, STORE, [SYSCALL notify], [csLeave [csBack]].
 *  2. The new thread is invisible to other threads until it is enqueued (under 1:1,
 *     until its kernel thread exists), so creating it needs no lock.
 *  3. The body's generator is made by a plain call (never as a method of the frame):
 *     a generator keeps its receiver alive for the thread's whole life.
 */
import { P_THREAD_CREATE, RUNNING, SYS_KT_CREATE } from '../kernel-sim/abi';
import type { CpuView, Frame, SmContext, SyscallResult } from '../kernel-sim/abi';
import { ArgumentError } from './errors';
import { lib, notifyOp, store, syscallOp } from './instr';
import { csBack, csEnter, csLeave } from './dispatcher';
import { HELD, LibFrame } from './libframe';
import { makeReadyLocked } from './ready';
import { ktStart } from './routines/index';
import type { Tcb } from './tcb';
import { busyLib, vcpuOf } from './uls';
import type { Uls } from './uls';

const S_CREATE = 0;
const S_CREATED = 1;
const S_KT = 2;
const S_SPIN = 3;
const S_READY = 4;
const S_READIED = 5;
const S_RELEASED = 6;
const S_NOTIFIED = 7;
const S_LEFT = 8;
const S_END = 9;

export class SpawnFrame extends LibFrame {
  private uls: Uls | null = null;
  private t: Tcb | null = null;
  private marks = false;
  private notify = -1;

  /** The body and its arguments until createLib takes them (the frame keeps neither). */
  constructor(
    public body: ((...a: unknown[]) => Frame) | null,
    public args: unknown[] | null,
  ) {
    super();
  }

  protected step(v: unknown): number {
    for (;;) {
      switch (this.pc) {
        case S_CREATE: {
          const cpu = hereCpu();
          this.uls = vcpuOf(cpu).uls;
          this.pc = S_CREATED;
          return lib(createLib, this, P_THREAD_CREATE);
        }
        case S_CREATED: {
          const t = v as Tcb;
          const uls = this.uls as Uls;
          this.t = t;
          if (uls.mapping === '1:1') {
            // Its own kernel thread, created runnable in one kernel call; it starts by
            // resuming the thread, which no other thread can see before spawn returns.
            const first: SmContext = { kind: 'sm', id: 0, routine: ktStart, pc: 0, r0: t, r1: uls, r2: undefined, r3: undefined };
            this.pc = S_KT;
            return syscallOp(SYS_KT_CREATE, undefined, first);
          }
          this.marks = uls.marks;
          this.pc = S_SPIN;
          if (this.marks) return csEnter();
          continue;
        }
        case S_KT: {
          const r = v as SyscallResult;
          if (r.kind !== 'ok') throw new ArgumentError(`spawn: the kernel refused a kernel thread (${r.code})`);
          const t = this.t as Tcb;
          t.kt = r.value as number;
          return this.end(t);
        }
        case S_SPIN: {
          const op = this.spin((this.uls as Uls).sched, v);
          if (op !== HELD) return op;
          this.pc = S_READY;
          if (this.marks) return lib(busyLib, 1); // activations: one more busy thread (counted before the vCPU decision)
          continue;
        }
        case S_READY:
          this.pc = S_READIED;
          return lib(readyLib, this.t as Tcb);
        case S_READIED:
          this.notify = v as number;
          this.pc = S_RELEASED;
          return store((this.uls as Uls).sched, 0);
        case S_RELEASED:
          this.pc = S_NOTIFIED;
          if (this.notify !== -1) return notifyOp((this.uls as Uls).r.notify, this.notify);
          continue;
        case S_NOTIFIED:
          if (!this.marks) return this.end(this.t as Tcb);
          this.pc = S_LEFT;
          return csLeave();
        case S_LEFT:
          this.pc = S_END;
          if (v === true) return csBack();
          continue;
        case S_END:
          return this.end(this.t as Tcb);
        default:
          throw new Error(`SpawnFrame: bad pc ${this.pc}`);
      }
    }
  }

  private end(t: Tcb): number {
    this.uls = null;
    this.t = null;
    return this.finish(t);
  }
}

function createLib(cpu: CpuView, f: SpawnFrame): Tcb {
  const body = f.body as (...a: unknown[]) => Frame;
  const args = f.args as unknown[];
  f.body = null;
  f.args = null;
  const root = args.length === 0 ? body() : body(...args); // invariant 3
  if (root === null || typeof root !== 'object' || typeof (root as Frame).next !== 'function') {
    throw new ArgumentError(`spawn: ${body.name || 'body'} must be a generator function (function*), it returned ${typeof root}`);
  }
  const name = body.name !== '' ? body.name : undefined;
  const v = vcpuOf(cpu);
  const uls = v.uls;
  const parent = v.current;
  const t = uls.createThread(name, root, cpu.now, parent);
  cpu.trace('~spawn', t.id, parent === null ? -1 : parent.id); // a note: src/trace only, never hashed
  if (uls.mapping === '1:1') t.admitted = true; // ready from birth: its kernel thread resumes it
  return t;
}

function readyLib(cpu: CpuView, t: Tcb): number {
  return makeReadyLocked(vcpuOf(cpu), t, 'spawn', cpu.now, true);
}

function hereCpu(): CpuView {
  const cpu = RUNNING.cpu;
  if (cpu === null) throw new Error('SpawnFrame: resumed outside a CPU');
  return cpu;
}
