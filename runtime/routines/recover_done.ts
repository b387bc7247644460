/**
 * recover_done: a thread continued by critical-section recovery left its last critical
 * section (csBack traps here): it is set aside, to be requeued under the sched lock, and
 * the upcall that recovered it goes on.
 *
 * Registers: r0 = the thread's continuation.
 */
import { P_USER_SAVE } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, run, setCurrent, storeContext, vcpuOfExec } from '../dispatcher';

export const recoverDone: Routine = {
  name: 'recover_done',
  size: 1,
  step(x: SmExec): void {
    assertDisabled(x, 'recover_done');
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'recover_done');
    storeContext(x, me, x.r0 as Context);
    me.recovering = false;
    v.deferred.push(me);
    setCurrent(v, null);
    x.use(P_USER_SAVE);
    x.trace('recovered', me.id, 0);
    x.goto(run, 0);
  },
};
