/**
 * exit: entered by exit(value) or when a thread's root frame returns (r2 = false) or
 * throws (r2 = true). A normal exit records the value, hands it to a waiting joiner
 * and runs the next thread; an uncaught error aborts the run through SYS_ABORT with
 * the thread and the error, so Machine.run() can rethrow it.
 *
 * Registers: r0 = continuation (discarded), r1 = value or error, r2 = threw (then: a
 * joiner was woken). Under activations the exit also updates the busy count.
 */
import { SYS_ABORT } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import { assertDisabled, currentOf, recordExitLocked, sched, schedLockStep, setCurrent, vcpuOfExec } from '../dispatcher';
import type { Vcpu } from '../uls';

/** Payload of SYS_ABORT for a thread that died of an uncaught error. */
export interface ThreadCrash {
  readonly kind: 'thread-crash';
  readonly thread: string;
  readonly error: unknown;
  readonly time: number;
}

/**
 * Step 0 of both exit paths: an uncaught error aborts the run (pc `abortPc` next);
 * a normal exit takes the sched lock (pc 1 next).
 */
export function exitStart(x: SmExec, v: Vcpu, abortPc: number): void {
  assertDisabled(x, 'exit');
  if (x.r2 === true) {
    const me = currentOf(v, 'exit');
    const crash: ThreadCrash = { kind: 'thread-crash', thread: me.label, error: x.r1, time: x.now };
    x.pc = abortPc;
    x.syscall(SYS_ABORT, crash);
    return;
  }
  x.r3 = -1;
  schedLockStep(x, v, 1, parkExit);
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
        panic('exit', `returned after abort (pc ${x.pc})`);
    }
  },
};
