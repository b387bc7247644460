/**
 * The run upcall (Barrelfish disp_run + thread_run_disabled). The kernel enters it
 * disabled on a fresh context whenever it returns to an enabled dispatcher other than
 * by a syscall return.
 *
 * Registers: r0 = udisp (the Vcpu).
 * Steps: take the sched lock; drain the upcall events (blocked, unblocked, preempted)
 * and fire due timers; save a thread interrupted by a plain tick from the enabled area
 * into its TCB (detection layer 2) and requeue it; then the shared `sched` tail picks
 * and resumes.
 */
import { P_INSTRUCTION, P_USER_SAVE } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import { drainEventsLocked } from '../events';
import { fireTimersLocked, makeReadyLocked, requeueDeferredLocked, storeContext } from '../uls';
import { recoveryCandidate } from './recover';
import { resume } from './resume';
import { pendingWake, schedLockStep, vcpuOfExec } from './common';
import { sched } from './sched';

export const run: Routine = {
  name: 'run',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const s = x.disp;
    switch (x.pc) {
      case 0: {
        if (x.r0 === v) v.runUpcalls++; // entered by the kernel (r0 = udisp), not by a loop
        x.r3 = -1;
        // Recover mode: before any lock, continue a thread caught inside a critical section.
        const t = v.uls.cs === 'recover' ? recoveryCandidate(x, v) : null;
        if (t !== null) {
          t.recovering = true;
          v.uls.recoveries++;
          v.current = t;
          x.trace('recover', t.id, t.spinDepth);
          x.r0 = t;
          x.goto(resume, 0);
          return;
        }
        x.pc = 1;
        return;
      }
      case 1:
        schedLockStep(x, v, 2, null); // back to pc 0 when a notice brings a thread to recover
        return;
      case 2: {
        v.idle = false;
        const requeued = requeueDeferredLocked(x, v);
        const ev = drainEventsLocked(x, v, true);
        if (ev.wake !== -1) x.r3 = ev.wake;
        const { wake, fired } = fireTimersLocked(v, x.now, pendingWake(x) === -1);
        if (wake !== -1) x.r3 = wake;
        x.use(P_INSTRUCTION, 1 + requeued + fired + ev.handled);
        x.pc = 3;
        return;
      }
      case 3: {
        const t = v.current;
        if (t !== null && s.enabledArea !== null) {
          storeContext(x, t, s.enabledArea);
          s.enabledArea = null; // consumed: a later upcall never stores it twice
          const w = makeReadyLocked(v, t, 'preempt', x.now, pendingWake(x) === -1);
          if (w !== -1) x.r3 = w;
          v.current = null;
          x.use(P_USER_SAVE);
        }
        x.pc = 4;
        return;
      }
      case 4:
        x.goto(sched, 0);
        return;
      default:
        panic('run', `bad pc ${x.pc}`);
    }
  },
};
