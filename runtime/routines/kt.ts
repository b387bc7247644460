/**
 * The 1:1 mapping's dispatcher paths: every green thread is its own kernel thread, so
 * blocking, waking, yielding, sleeping and exiting are kernel calls (park/unpark,
 * sys_yield, kernel-thread exit) and the kernel scheduler decides who runs.
 *
 * Registers follow the generic routines: r0 = caller continuation; block r1 = spinlock
 * word, r2 = BlockReason; sleep r1 = ns; exit r1 = value, r2 = threw; start r0 = the
 * thread, r1 = its Uls.
 * Invariants:
 *  1. The thread's continuation is in its TCB before it parks; the kernel releases the
 *     primitive's spinlock atomically with parking (no lost wake-up).
 *  2. A kernel thread only ever runs its own thread: `current` never changes.
 */
import { P_USER_SAVE } from '../../kernel-sim/abi';
import { SYS_EXIT, SYS_KT_EXIT, SYS_KT_PARK, SYS_YIELD } from '../../kernel-sim/abi';
import type { Cell, Context, Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { BlockReason, Tcb } from '../tcb';
import { storeContext, Vcpu } from '../uls';
import type { Uls } from '../uls';
import { currentOf, pendingWake, vcpuOfExec } from './common';
import { exitLocked, exitStart } from './exit';
import { resume } from './resume';

/** Run the thread again on its own kernel thread (through the resume sequence). */
function resumeSelf(x: SmExec, me: Tcb): void {
  me.transition('running', x.now);
  me.switches++;
  vcpuOfExec(x).uls.switches++;
  x.r0 = me;
  x.goto(resume, 0);
}

export const ktStart: Routine = {
  name: 'kt_start',
  size: 1,
  step(x: SmExec): void {
    const t = x.r0 as Tcb;
    const v = new Vcpu(x.disp.vcpu, x.disp, x.r1 as Uls);
    x.disp.udisp = v; // the user-writable udisp of its own dispatcher
    t.kt = x.disp.vcpu; // its own kernel thread (it may start before spawn has the answer)
    v.current = t;
    resumeSelf(x, t);
  },
};

export const ktBlock: Routine = {
  name: 'kt_block',
  size: 3,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_block');
    switch (x.pc) {
      case 0:
        storeContext(x, me, x.r0 as Context);
        me.transition('blocked', x.now);
        me.reason = x.r2 as BlockReason;
        x.use(P_USER_SAVE);
        x.pc = 1;
        return;
      case 1:
        x.pc = 2;
        x.syscall(SYS_KT_PARK, (x.r1 ?? null) as Cell | null);
        return;
      case 2:
        resumeSelf(x, me);
        return;
      default:
        panic('kt_block', `bad pc ${x.pc}`);
    }
  },
};

export const ktYield: Routine = {
  name: 'kt_yield',
  size: 2,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_yield');
    if (x.pc === 0) {
      storeContext(x, me, x.r0 as Context);
      me.transition('ready', x.now);
      x.disp.haswork = 1;
      x.pc = 1;
      x.syscall(SYS_YIELD);
      return;
    }
    resumeSelf(x, me);
  },
};

export const ktSleep: Routine = {
  name: 'kt_sleep',
  size: 2,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_sleep');
    const s = x.disp;
    if (x.pc === 0) {
      storeContext(x, me, x.r0 as Context);
      me.until = x.now + (x.r1 as number);
      me.transition('blocked', x.now);
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
