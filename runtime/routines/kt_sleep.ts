/**
 * kt_sleep: 1:1 sleep: the kernel thread blocks in sys_yield with its wakeup armed for
 * the thread's wake time, and sleeps on if woken early.
 *
 * Registers: r0 = continuation, r1 = ns.
 */
import { SYS_YIELD } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, storeContext, vcpuOfExec } from '../dispatcher';
import { resumeSelf } from './kt_start';

export const ktSleep: Routine = {
  name: 'kt_sleep',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) assertDisabled(x, 'kt_sleep');
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_sleep');
    const s = x.disp;
    if (x.pc === 0) {
      storeContext(x, me, x.r0 as Context);
      me.until = x.now + (x.r1 as number);
      me.transition('running', 'blocked', x.now);
      me.reason = { kind: 'sleep', until: me.until };
      s.wakeup = me.until;
      s.haswork = 0;
      x.pc = 1;
      x.syscall(SYS_YIELD);
      return;
    }
    if (x.now < me.until) {
      x.syscall(SYS_YIELD); // woken early: sleep on
      return;
    }
    s.wakeup = 0;
    me.reason = null;
    resumeSelf(x, me);
  },
};

/** Exit: record it under the sched lock, then one kernel call ends the kernel thread and wakes the joiner's. */
