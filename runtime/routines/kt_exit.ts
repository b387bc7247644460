/**
 * kt_exit: 1:1 exit: record it under the sched lock, then one kernel call ends the
 * kernel thread and wakes the joiner's (or ends the process after its last thread).
 *
 * Registers: as exit (r1 = value, r2 = threw); r3 = the joiner's kernel thread, or -1.
 */
import { SYS_EXIT, SYS_KT_EXIT } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { pendingWake, vcpuOfExec } from '../dispatcher';
import { panic } from '../errors';
import { exitLocked, exitStart } from './exit';

export const ktExit: Routine = {
  name: 'kt_exit',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0:
        exitStart(x, v, 4);
        return;
      case 1:
        exitLocked(x, v);
        x.pc = 2;
        return;
      case 2:
        v.uls.sched.value = 0;
        x.pc = 3;
        return;
      case 3:
        x.pc = 4;
        if (v.uls.live === 0) x.syscall(SYS_EXIT);
        else x.syscall(SYS_KT_EXIT, pendingWake(x));
        return;
      default:
        panic('kt_exit', `returned after exit (pc ${x.pc})`);
    }
  },
};
