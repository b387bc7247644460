/**
 * yield: the disabled part of yieldNow(), entered by TRAP (which set disabled = 1).
 * Barrelfish thread_yield: if another thread is ready, save the caller into its TCB,
 * requeue it and resume the other. If no other thread is ready, save the caller into
 * the enabled area (disp_save) and sys_yield with haswork set: the kernel keeps the
 * dispatcher runnable and the next run upcall resumes the caller (a kernel thread is
 * resumed after its sys_yield instead, and resumes the caller itself).
 *
 * Due timers fire here as in the scheduler step (sched), so a yield never passes over
 * a sleeper whose time has come.
 *
 * Registers: r0 = caller continuation; r1 = the next thread (or null).
 */
import { pickThread } from '../policy/policy';
import { P_INSTRUCTION, P_USER_SAVE, SYS_YIELD } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, resumeThread, schedLockStep, setCurrent, storeContext, switchTo, vcpuOfExec } from '../dispatcher';
import { fireTimersLocked, makeReadyLocked } from '../ready';
import { panic } from '../errors';
import type { Tcb } from '../tcb';
import type { Vcpu } from '../uls';

/** Recovery interrupts the yield: the caller is saved and requeued as if preempted. */
function parkYield(x: SmExec, v: Vcpu): void {
  const me = currentOf(v, 'yield');
  storeContext(x, me, x.r0 as Context);
  v.deferred.push(me);
  setCurrent(v, null);
}

export const yieldDisabled: Routine = {
  name: 'yield',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0:
        assertDisabled(x, 'yield');
        schedLockStep(x, v, 1, parkYield);
        return;
      case 1: {
        // A yield is a scheduling decision: sleepers whose time has come join the ready
        // queue first. Without this, threads yielding to each other starved a due sleeper
        // wherever no upcall comes to fire timers (N:1, M:N on kernel threads) and, under
        // activations, until the next interrupt reached this vCPU. No vCPU is claimed here
        // (the caller's own vCPU is about to choose); an idle one wakes by its own wakeup.
        const due = v.uls.timers.peek();
        if (due !== undefined && due.until <= x.now) x.add(P_INSTRUCTION, fireTimersLocked(v, x.now, false).fired);
        const next = pickThread(v.uls.policy, v.uls.pick, v.index);
        x.r1 = next;
        if (next !== null) {
          const me = currentOf(v, 'yield');
          storeContext(x, me, x.r0 as Context);
          makeReadyLocked(v, me, 'yield', x.now, false);
          switchTo(x, v, next, 'ready');
          x.use(P_USER_SAVE);
        }
        x.pc = 2;
        return;
      }
      case 2:
        v.uls.sched.value = 0;
        x.pc = 3;
        return;
      case 3: {
        const next = x.r1 as Tcb | null;
        if (next !== null) {
          resumeThread(x, v, next);
          return;
        }
        x.disp.haswork = 1;
        x.pc = 4;
        if (x.disp.kthread) {
          // A kernel thread is resumed after its sys_yield: keep the caller in its TCB.
          storeContext(x, currentOf(v, 'yield'), x.r0 as Context);
        } else {
          x.disp.enabledArea = x.r0 as Context; // disp_save: the next run upcall resumes it
        }
        x.syscall(SYS_YIELD);
        return;
      }
      case 4:
        if (!x.disp.kthread) panic('yield', 'sys_yield returned to an upcalled dispatcher');
        resumeThread(x, v, currentOf(v, 'yield'));
        return;
      default:
        panic('yield', `bad pc ${x.pc}`);
    }
  },
};
