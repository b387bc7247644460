/**
 * block and sleep: the disabled halves of every blocking operation (Barrelfish
 * thread_block_and_release_spinlock_disabled). The caller's continuation goes into
 * its TCB before the primitive's spinlock is released, so a waker on another vCPU
 * that enqueues the thread right after the release finds a complete context.
 *
 * block registers: r0 = continuation, r1 = spinlock Cell to release (or null),
 *                  r2 = BlockReason.
 * sleep registers: r0 = continuation, r1 = ns.
 * RACE WINDOW (block pc 1 -> 2): after the release the thread may already run on
 * another vCPU while this one still executes its dispatcher code; this vCPU never
 * touches the thread again except through `current`, which sched overwrites.
 */
import type { Cell, Context, Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { BlockReason } from '../tcb';
import { addTimerLocked, storeContext } from '../uls';
import { currentOf, schedLockStep, vcpuOfExec } from './common';
import type { Vcpu } from '../uls';
import { sched } from './sched';

function parkBlocked(_x: SmExec, v: Vcpu): void {
  v.current = null;
}

/** Recovery interrupts the sleep: the timer is armed later under the lock. */
function parkSleeper(_x: SmExec, v: Vcpu): void {
  v.sleepers.push(currentOf(v, 'sleep'));
  v.current = null;
}

export const blockDisabled: Routine = {
  name: 'block',
  size: 4,
  base: 0,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        const me = currentOf(v, 'block');
        storeContext(x, me, x.r0 as Context);
        me.transition('blocked', x.now);
        me.reason = x.r2 as BlockReason;
        x.cost = x.costs.userSave;
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
        x.goto(sched, 0);
        return;
      default:
        panic('block', `bad pc ${x.pc}`);
    }
  },
};

export const sleepDisabled: Routine = {
  name: 'sleep',
  size: 3,
  base: 0,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        const me = currentOf(v, 'sleep');
        storeContext(x, me, x.r0 as Context);
        me.until = x.now + (x.r1 as number);
        me.transition('blocked', x.now);
        me.reason = { kind: 'sleep', until: me.until };
        x.cost = x.costs.userSave;
        x.pc = 1;
        return;
      }
      case 1:
        x.r3 = -1;
        schedLockStep(x, v, 2, parkSleeper);
        return;
      case 2:
        addTimerLocked(v, currentOf(v, 'sleep'));
        x.goto(sched, 0);
        return;
      default:
        panic('sleep', `bad pc ${x.pc}`);
    }
  },
};
