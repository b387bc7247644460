/**
 * block and sleep: the disabled halves of every blocking operation (Barrelfish
 * thread_block_and_release_spinlock_disabled). The caller's continuation goes into
 * its TCB before the primitive's spinlock is released, so a waker on another vCPU
 * that enqueues the thread right after the release finds a complete context.
 *
 * block registers: r0 = continuation, r1 = spinlock Cell to release (or null),
 *                  r2 = BlockReason.
 * Under activations each also takes the thread off the busy count, one instruction
 * with the sched lock held (the runtime's own bookkeeping, uls.ts).
 * sleep registers: r0 = continuation, r1 = ns.
 * RACE WINDOW (block pc 1 -> 2): after the release the thread may already run on
 * another vCPU while this one still executes its dispatcher code; this vCPU never
 * touches the thread again except through `current`, which sched overwrites.
 */
import { P_INSTRUCTION, P_USER_SAVE } from '../../kernel-sim/abi';
import type { Cell, Context, Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { BlockReason } from '../tcb';
import { addTimerLocked, countBusy, storeContext } from '../uls';
import { currentOf, schedLockStep, vcpuOfExec } from './common';
import type { Vcpu } from '../uls';
import { sched } from './sched';

function parkBlocked(x: SmExec, v: Vcpu): void {
  x.add(P_INSTRUCTION, countBusy(v.uls, -1)); // the busy-count update of case 3, done here
  v.current = null;
}

/** Recovery interrupts the sleep: the timer is armed later under the lock. */
function parkSleeper(_x: SmExec, v: Vcpu): void {
  v.sleepers.push(currentOf(v, 'sleep'));
  v.current = null;
}

export const blockDisabled: Routine = {
  name: 'block',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        const me = currentOf(v, 'block');
        storeContext(x, me, x.r0 as Context);
        me.transition('blocked', x.now);
        me.reason = x.r2 as BlockReason;
        x.use(P_USER_SAVE);
        x.pc = 1;
        return;
      }
      case 1: {
        if (x.r1 !== null && x.r1 !== undefined) (x.r1 as Cell).value = 0;
        // The critical section ends with the release (recover mode counts it).
        const me = currentOf(v, 'block');
        me.spinDepth = Math.max(0, me.spinDepth - 1);
        me.recovering = false;
        x.pc = 2;
        return;
      }
      case 2:
        x.r3 = -1;
        schedLockStep(x, v, 3, parkBlocked); // the caller is saved and blocked already
        return;
      case 3:
        if (v.uls.marks) {
          v.uls.busy--; // activations: one fewer busy thread (the sched lock is held)
          x.pc = 4;
          return;
        }
        x.goto(sched, 0);
        return;
      case 4:
        x.goto(sched, 0);
        return;
      default:
        panic('block', `bad pc ${x.pc}`);
    }
  },
};

export const sleepDisabled: Routine = {
  name: 'sleep',
  size: 4,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        const me = currentOf(v, 'sleep');
        storeContext(x, me, x.r0 as Context);
        me.until = x.now + (x.r1 as number);
        me.transition('blocked', x.now);
        me.reason = { kind: 'sleep', until: me.until };
        x.use(P_USER_SAVE);
        x.pc = 1;
        return;
      }
      case 1:
        x.r3 = -1;
        schedLockStep(x, v, 2, parkSleeper);
        return;
      case 2:
        addTimerLocked(v, currentOf(v, 'sleep'));
        if (v.uls.marks) {
          x.pc = 3;
          return;
        }
        x.goto(sched, 0);
        return;
      case 3:
        v.uls.busy--; // activations: one fewer busy thread (the sched lock is held)
        x.goto(sched, 0);
        return;
      default:
        panic('sleep', `bad pc ${x.pc}`);
    }
  },
};
