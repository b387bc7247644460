/**
 * kt_yield: 1:1 yieldNow: the thread goes into its TCB, ready, and its kernel thread
 * gives up the rest of its slice (sys_yield with work left); resumed later, it resumes
 * the thread.
 *
 * Registers: r0 = continuation.
 */
import { SYS_YIELD } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, storeContext, vcpuOfExec } from '../dispatcher';
import { resumeSelf } from './kt_start';

export const ktYield: Routine = {
  name: 'kt_yield',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) assertDisabled(x, 'kt_yield');
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_yield');
    if (x.pc === 0) {
      storeContext(x, me, x.r0 as Context);
      me.transition('running', 'ready', x.now);
      x.disp.haswork = 1;
      x.pc = 1;
      x.syscall(SYS_YIELD);
      return;
    }
    resumeSelf(x, me);
  },
};

