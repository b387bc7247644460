/**
 * kt_start: the first context of a 1:1 thread's own kernel thread (created runnable by
 * spawn): it gives the kernel thread its vCPU record and resumes the thread. Every 1:1
 * path resumes its own thread through resumeSelf: a kernel thread only ever runs its own
 * thread, so `current` never changes after this.
 *
 * Registers: r0 = the thread, r1 = its Uls.
 */
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, resumeThread, setCurrent, switchTo, vcpuOfExec } from '../dispatcher';
import type { Tcb } from '../tcb';
import { Vcpu } from '../uls';
import type { Uls } from '../uls';

/** Run the thread again on its own kernel thread (through the resume sequence). */
export function resumeSelf(x: SmExec, me: Tcb): void {
  const v = vcpuOfExec(x);
  switchTo(x, v, me, me.state);
  resumeThread(x, v, me);
}

export const ktStart: Routine = {
  name: 'kt_start',
  size: 1,
  step(x: SmExec): void {
    assertDisabled(x, 'kt_start');
    const t = x.r0 as Tcb;
    const v = new Vcpu(x.disp.vcpu, x.disp, x.r1 as Uls);
    x.disp.udisp = v; // the user-writable udisp of its own dispatcher
    t.kt = x.disp.vcpu; // its own kernel thread (it may start before spawn has the answer)
    setCurrent(v, t);
    resumeSelf(x, t);
  },
};

