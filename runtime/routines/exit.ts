/**
 * exit: entered by exit(value) or when a thread's root frame returns (r2 = false) or
 * throws (r2 = true). A normal exit records the value, hands it to a waiting joiner
 * and runs the next thread. An uncaught error becomes a ThreadCrashError naming the
 * thread, its process, vCPU, pc, time and held locks: under onThreadError 'process'
 * (the default) SYS_FAULT ends the process with it; under 'thread' the thread exits
 * with it as its crash and its joiner's join throws it.
 *
 * Registers: r0 = continuation (discarded), r1 = value or error, r2 = threw (then: a
 * joiner was woken). Under activations the exit also updates the busy count.
 */
import { SYS_FAULT } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { threadCrash } from '../crash';
import { panic } from '../errors';
import { assertDisabled, currentOf, sched, schedLockStep, setCurrent, vcpuOfExec } from '../dispatcher';
import { recordExitLocked } from '../ready';
import type { Vcpu } from '../uls';

/**
 * Step 0 of both exit paths: an uncaught error under onThreadError 'process' faults the
 * process (pc `faultPc` next); otherwise take the sched lock (pc 1 next).
 */
export function exitStart(x: SmExec, v: Vcpu, faultPc: number): void {
  assertDisabled(x, 'exit');
  if (x.r2 === true) {
    const me = currentOf(v, 'exit');
    const crash = threadCrash(x, v, me, x.r1, contPc(x, x.r0));
    if (v.uls.onThreadError === 'process') {
      x.pc = faultPc;
      x.syscall(SYS_FAULT, crash);
      return;
    }
    me.crash = crash; // the thread alone ends; its joiner gets the crash
    x.r1 = crash;
    x.r2 = false;
  }
  x.r3 = -1;
  schedLockStep(x, v, 1, parkExit);
}

/** Symbolic pc of a thread's continuation (`user` for thread code). */
function contPc(x: SmExec, ctx: unknown): string {
  if (ctx === null || typeof ctx !== 'object') return 'unknown';
  return x.symbolize(x.contextPc(ctx as Context));
}

/** Recovery interrupts the exit: finish it later under the lock. */
function parkExit(x: SmExec, v: Vcpu): void {
  v.exits.push({ t: currentOf(v, 'exit'), value: x.r1 });
  setCurrent(v, null);
}

/**
 * Record the exit (sched lock held) and hand the value to a waiting joiner (r3: whom to
 * notify; r2: whether a joiner was woken).
 */
export function exitLocked(x: SmExec, v: Vcpu): void {
  const me = currentOf(v, 'exit');
  const joined = me.joiner !== null;
  x.r3 = recordExitLocked(x, v, me, x.r1, true);
  x.r2 = joined;
  setCurrent(v, null);
}

export const exitDisabled: Routine = {
  name: 'exit',
  size: 6,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0:
        exitStart(x, v, 5);
        return;
      case 1:
        exitLocked(x, v);
        x.pc = 2;
        return;
      case 2:
        if (v.uls.marks) {
          v.uls.busy--; // activations: the exiting thread is busy no more (sched lock held)
          x.pc = x.r2 === true ? 3 : 4;
          return;
        }
        x.goto(sched, 0);
        return;
      case 3:
        v.uls.busy++; // ... and the joiner it woke is busy again
        x.pc = 4;
        return;
      case 4:
        x.goto(sched, 0);
        return;
      default:
        panic('exit', `returned after the process fault (pc ${x.pc})`);
    }
  },
};
