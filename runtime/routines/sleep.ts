/**
 * sleep: the disabled half of sleep(ns). The caller goes into its TCB and onto the
 * process's timer list (any vCPU fires it); under activations it leaves the busy count.
 *
 * Registers: r0 = continuation, r1 = ns.
 */
import { P_USER_SAVE } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, sched, schedLockStep, setCurrent, storeContext, vcpuOfExec } from '../dispatcher';
import { addTimerLocked } from '../ready';
import { panic } from '../errors';
import type { Vcpu } from '../uls';

/** Recovery interrupts the sleep: the timer is armed later under the lock. */
function parkSleeper(_x: SmExec, v: Vcpu): void {
  v.sleepers.push(currentOf(v, 'sleep'));
  setCurrent(v, null);
}

export const sleepDisabled: Routine = {
  name: 'sleep',
  size: 4,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        assertDisabled(x, 'sleep');
        const me = currentOf(v, 'sleep');
        storeContext(x, me, x.r0 as Context);
        me.until = x.now + (x.r1 as number);
        me.transition('running', 'blocked', x.now);
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
