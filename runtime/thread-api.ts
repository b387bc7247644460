/**
 * The threads API: spawn, join, detach, exit, self, yieldNow, sleep, compute, now,
 * touch. Each is a generator the caller drives with `yield*`; multi-instruction
 * operations push a library frame with one CALL (the trampolined frame stack), so
 * their instructions run at the top of the stack with no yield* chain beneath.
 *
 * Invariants:
 *  1. Every operation checks it runs inside a green thread (OutsideThreadError).
 *     Operations that are one instruction (yieldNow, step, compute, now, self, sleep,
 *     and the CALL of every library operation) issue it through the stack's reusable
 *     OneShot: no generator per call. The iterable must be driven at once with yield*.
 *  2. Disabled sections are bracketed disable ... enable in the same frame, and every
 *     error path re-enables and unlocks before throwing.
 *  3. Thread state changes happen under the sched lock (see uls.ts).
 */
import { describeUntrusted, ERR_NO_ACTIVATION, SYS_DELAY, SYS_PREEMPT_VCPU, SYS_READ } from '../kernel-sim/abi';
import type { CpuView, Frame, SyscallResult } from '../kernel-sim/abi';
import {
  ActivationsExhaustedError, ArgumentError, DetachError, ForeignThreadError, JoinDetachedError, JoinSelfError, JoinTwiceError,
} from './errors';
import { callOp, clock, computeOp, here, lib, nop, one, syscallOp, touchOp, trapOp, waiting } from './instr';
import { SpawnFrame } from './spawn';
import { Tcb } from './tcb';
import type { Thread } from './tcb';
import { vcpuOf } from './uls';
import type { Uls } from './uls';
import { AFTER_JOIN, FAIL, section, WAIT } from './sync/section';
import type { Section } from './sync/section';

/** A green thread's code: a generator of upcall instructions returning T. */
export type Code<T = unknown> = Generator<number, T, unknown>;

/** Create a thread running body(...args); returns its handle. */
export function spawn<Args extends unknown[], T>(body: (...args: Args) => Code<T>, ...args: Args): Code<Thread<T>> {
  here('spawn');
  if (typeof body !== 'function') throw new ArgumentError(`spawn: body must be a generator function, got ${typeof body}`);
  return one<Thread<T>>(callOp(new SpawnFrame(body as (...a: unknown[]) => Frame, args).asFrame()));
}

/** Wait for t to finish and return its result. */
export function join<T>(t: Thread<T>): Code<T> {
  const cpu = here('join');
  return one<T>(callOp(section(vcpuOf(cpu).uls.sched, joinDecide, t, undefined)));
}

/** join's verdict, with the sched lock held (runtime/sync/section.ts): done, wait, or an error. */
function joinDecide(cpu: CpuView, f: Section): void {
  const err = joinCheck(cpu, f.obj as Tcb);
  if (err === WAITS) {
    f.verdict = WAIT; // block releases the sched lock only after our context is in the TCB
    f.reason = { kind: 'join', on: f.obj as Tcb };
    f.after = AFTER_JOIN;
  } else if (err !== null) {
    f.verdict = FAIL;
    f.result = err;
  } else f.result = (f.obj as Tcb).result;
}

const WAITS = new Error('join: waits (never thrown)');

function joinCheck(cpu: CpuView, t: Tcb): Error | null {
  const v = vcpuOf(cpu);
  const me = v.current as Tcb;
  if (!isThreadOf(t, v.uls)) return new ForeignThreadError(`join: ${me.label}: ${describeHandle(t, v.uls)} is not a thread of this process`);
  if (t === me) return new JoinSelfError(`join: ${me.label} tried to join itself`);
  if (t.detached) return new JoinDetachedError(`join: ${me.label}: ${t.label} is detached`);
  if (t.joined || (t.joiner !== null && t.joiner !== me)) {
    return new JoinTwiceError(`join: ${me.label}: ${t.label} is already joined${t.joiner !== null ? ` by ${t.joiner.label}` : ''}`);
  }
  if (t.state === 'exited') {
    t.joined = true;
    v.uls.releaseIfDone(t);
    return t.crash; // onThreadError 'thread': it died of it (else null: done)
  }
  t.joiner = me;
  return WAITS;
}

/** Let t's resources go when it exits; it can no longer be joined. */
export function detach(t: Thread): Code<void> {
  const cpu = here('detach');
  return one<void>(callOp(section(vcpuOf(cpu).uls.sched, detachDecide, t, undefined)));
}

function detachDecide(cpu: CpuView, f: Section): void {
  const err = detachLib(cpu, f.obj as Tcb);
  if (err !== null) {
    f.verdict = FAIL;
    f.result = err;
  }
}

function detachLib(cpu: CpuView, t: Tcb): Error | null {
  const v = vcpuOf(cpu);
  const me = v.current as Tcb;
  if (!isThreadOf(t, v.uls)) return new ForeignThreadError(`detach: ${me.label}: ${describeHandle(t, v.uls)} is not a thread of this process`);
  if (t.detached) return new DetachError(`detach: ${me.label}: ${t.label} is already detached`);
  if (t.joined || t.joiner !== null) return new DetachError(`detach: ${me.label}: ${t.label} is joined${t.joiner !== null ? ` by ${t.joiner.label}` : ''}`);
  t.detached = true;
  v.uls.releaseIfDone(t); // already exited: nothing will ask about it again
  return null;
}

/** End the calling thread with `value` (as returning it from the body). */
export function* exit(value?: unknown): Code<never> {
  const cpu = here('exit');
  yield trapOp(vcpuOf(cpu).uls.r.exit, value, false);
  throw new Error('exit: returned into an exited thread');
}

/** The calling thread's handle. */
export function self(): Code<Thread> {
  here('self');
  return one<Thread>(lib(selfLib, null));
}

function selfLib(cpu: CpuView): Tcb {
  return currentThread(cpu);
}

/** Give the vCPU to another ready thread (or to the kernel when none is ready). */
export function yieldNow(): Code<void> {
  const cpu = here('yieldNow');
  return one<void>(yieldOp(cpu));
}

/**
 * The yield TRAP, marked as waiting (not progress: a thread that only yields makes
 * none), and the time of the thread's last yield noted for a livelock report.
 */
function yieldOp(cpu: CpuView): number {
  const v = vcpuOf(cpu);
  if (v.current !== null) v.current.yieldedAt = cpu.now;
  return waiting(trapOp(v.uls.r.yield));
}

/** Block for ns simulated nanoseconds (woken by the vCPU's run upcall). */
export function sleep(ns: number): Code<void> {
  const cpu = here('sleep');
  checkNs('sleep', ns);
  return one<void>(ns === 0 ? yieldOp(cpu) : trapOp(vcpuOf(cpu).uls.r.sleep, ns));
}

/** Compute for ns simulated nanoseconds: one interruptible instruction. */
export function compute(ns: number): Code<void> {
  here('compute');
  checkNs('compute', ns);
  return one<void>(computeOp(ns));
}

/** One ordinary instruction (a step of simulated work). */
export function step(): Code<void> {
  here('step');
  return one<void>(nop());
}

/** Read the simulated clock (ns). */
export function now(): Code<number> {
  here('now');
  return one<number>(clock());
}

/**
 * Read `bytes` from the disk. The thread blocks in the kernel; with scheduler
 * activations its vCPU runs other threads meanwhile. Returns the bytes read.
 */
export function* read(bytes: number): Code<number> {
  const cpu = here('read');
  if (!Number.isInteger(bytes) || bytes < 0) throw new ArgumentError(`read: bytes must be a non-negative integer, got ${shown(bytes)}`);
  const r = (yield syscallOp(SYS_READ, bytes)) as SyscallResult;
  if (r.kind === 'ok') return r.value as number;
  if (r.code === ERR_NO_ACTIVATION) {
    throw new ActivationsExhaustedError(`read: ${currentThread(cpu).label}: no activation left to block on (raise the process's maxActivations)`);
  }
  throw new ArgumentError(`read: the kernel refused (${r.code})`);
}

/**
 * Block in the kernel for `ns` simulated ns, as a buffer-cache miss does: a fixed
 * latency that never queues behind other requests (misses overlap, unlike disk reads).
 * Like read(), it blocks the thread's kernel thread, or with activations only the
 * thread (its vCPU runs others meanwhile); under N:1 it stalls the whole process.
 */
export function* delay(ns: number): Code<void> {
  const cpu = here('delay');
  checkNs('delay', ns);
  const r = (yield syscallOp(SYS_DELAY, ns)) as SyscallResult;
  if (r.kind === 'ok') return;
  if (r.code === ERR_NO_ACTIVATION) {
    throw new ActivationsExhaustedError(`delay: ${currentThread(cpu).label}: no activation left to block on (raise the process's maxActivations)`);
  }
  throw new ArgumentError(`delay: the kernel refused (${r.code})`);
}

/**
 * The preemptVcpu downcall (scheduler activations): interrupt vCPU `vcpu` of this
 * process into its run upcall, so its scheduler looks at the run queue now (for
 * example after making a more urgent thread ready). Preempting one's own vCPU is a
 * no-op.
 */
export function* preemptVcpu(vcpu: number): Code<void> {
  const cpu = here('preemptVcpu');
  const uls = vcpuOf(cpu).uls;
  if (uls.mapping !== 'activations') throw new ArgumentError(`preemptVcpu: only an M:N process with activations has vCPUs to preempt (this one maps ${uls.mapping})`);
  if (!Number.isInteger(vcpu) || vcpu < 0 || vcpu >= uls.vcpus.length) {
    throw new ArgumentError(`preemptVcpu: vCPU must be an integer in 0..${uls.vcpus.length - 1}, got ${shown(vcpu)}`);
  }
  const r = (yield syscallOp(SYS_PREEMPT_VCPU, vcpu)) as SyscallResult;
  if (r.kind !== 'ok') throw new ArgumentError(`preemptVcpu: vCPU ${vcpu} has no processor now (${r.code})`);
}

/** Access a page of the process's memory (page-faults when it is not mapped). */
export function* touch(page: number): Code<void> {
  here('touch');
  if (!Number.isInteger(page) || page < 0) throw new ArgumentError(`touch: page must be a non-negative integer, got ${shown(page)}`);
  yield touchOp(page);
}

function checkNs(api: string, ns: number): void {
  if (typeof ns !== 'number' || !Number.isInteger(ns) || ns < 0) {
    throw new ArgumentError(`${api}: duration must be a non-negative integer number of ns, got ${shown(ns)}`);
  }
}

export function currentThread(cpu: CpuView): Tcb {
  const t = vcpuOf(cpu).current;
  if (t === null) throw new Error('currentThread: no current thread on this vCPU');
  return t;
}

/** t is a thread of this process of this machine (the owner is checked by identity). */
function isThreadOf(t: unknown, uls: Uls): t is Tcb {
  return t instanceof Tcb && t.home === uls;
}

function describeHandle(t: unknown, uls: Uls): string {
  if (t instanceof Tcb) {
    const home = t.home as Uls;
    const where = home.machine !== uls.machine ? 'a thread of another machine' : `a thread of process '${home.name}'`;
    return `${t.label} (${where})`;
  }
  return describeUntrusted(t);
}

/** An argument as a message shows it: strings quoted, so `"5"` is not mistaken for 5. */
function shown(v: unknown): string {
  return typeof v === 'string' ? JSON.stringify(v) : typeof v === 'object' && v !== null ? 'an object' : String(v);
}
