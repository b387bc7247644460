/**
 * sched: the tail every dispatcher path shares (Barrelfish thread_run_disabled). Entered
 * with the sched lock held; drains notices that arrived while the vCPU was disabled,
 * picks the next thread, unlocks, sends a pending wake notice, returns spent
 * activations in bulk, and resumes the thread or gives the vCPU back to the kernel.
 *
 * Registers: r3 = vCPU index to notify (or not a number); r1 = the picked thread.
 * Invariants:
 *  1. `idle` is set under the sched lock before the vCPU yields, so a waker that
 *     enqueues later sees it and notifies (no lost wake-up: sys_yield will not block
 *     while a notice is unseen).
 *  2. Spent activations go back with one SYS_RECYCLE per batch (or before idling).
 *  3. When the process has no live thread left, the vCPU exits the process.
 *  4. Downcalls: requestVcpus when makeReady found no vCPU for new work; vcpuIdle after
 *     a short spin (a kernel thread just sys_yields).
 */
import { P_INSTRUCTION } from '../../kernel-sim/abi';
import { REQUEST_VCPU, SYS_EXIT, SYS_RECYCLE, SYS_REQUEST_VCPUS, SYS_VCPU_IDLE, SYS_WAKE, SYS_YIELD } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import { drainEventsLocked } from '../events';
import type { Tcb } from '../tcb';
import { earliestTimer, fireTimersLocked, requeueDeferredLocked } from '../uls';
import { pendingWake, vcpuOfExec } from './common';
import { resume } from './resume';
import { run } from './run';

/** Spent activations returned per SYS_RECYCLE (the bulk downcall). */
export const RECYCLE_BATCH = 8;
/** Instructions an idle vCPU spins looking for work before the vcpuIdle downcall. */
export const IDLE_SPIN = 8;

export const sched: Routine = {
  name: 'sched',
  size: 7,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        const s = x.disp;
        const requeued = requeueDeferredLocked(x, v);
        if (requeued > 0) x.add(P_INSTRUCTION, requeued);
        if (s.delivered !== s.seen) {
          const ev = drainEventsLocked(x, v, pendingWake(x) === -1);
          if (ev.wake >= 0) x.r3 = ev.wake;
          x.add(P_INSTRUCTION, ev.handled);
        }
        const first = v.uls.timers[0];
        if (first !== undefined && first.until <= x.now) {
          const fired = fireTimersLocked(v, x.now, pendingWake(x) === -1);
          if (fired.wake !== -1) x.r3 = fired.wake;
          x.add(P_INSTRUCTION, fired.fired);
        }
        const next = v.uls.policy.pickNext(v.index);
        if (next !== null) {
          next.transition('running', x.now);
          next.lastVcpu = v.index;
          next.switches++;
          v.idle = false;
        } else {
          v.idle = true;
        }
        v.current = next;
        x.r1 = next;
        x.pc = 1;
        return;
      }
      case 1:
        v.uls.sched.value = 0;
        x.pc = 2;
        return;
      case 2: {
        const w = typeof x.r3 === 'number' ? x.r3 : -1;
        x.r3 = -1;
        x.pc = 3;
        if (w >= 0) x.syscall(SYS_WAKE, w);
        else if (w === REQUEST_VCPU) x.syscall(SYS_REQUEST_VCPUS, 1);
        return;
      }
      case 3:
        x.pc = 4;
        if (v.recycle.length >= RECYCLE_BATCH || (x.r1 === null && v.recycle.length > 0)) {
          x.syscall(SYS_RECYCLE, v.recycle.splice(0, v.recycle.length));
        }
        return;
      case 4: {
        const next = x.r1 as Tcb | null;
        const s = x.disp;
        if (next !== null) {
          s.haswork = 1;
          v.uls.switches++;
          x.r0 = next;
          x.goto(resume, 0);
          return;
        }
        // No thread left, and main already existed (vCPU 0 may not have created it yet).
        if (v.uls.live === 0 && v.uls.mainStarted) {
          x.pc = 5;
          x.syscall(SYS_EXIT);
          return;
        }
        x.r2 = s.kthread ? x.now : 0; // kernel threads: when the idle spin began
        x.pc = 6;
        return;
      }
      case 6: {
        // Idle. With activations, spin briefly first (hysteresis): new work or a notice
        // sends the vCPU back round the scheduler; else tell the kernel it is idle.
        // FastThreads on kernel threads (M:N without activations, several kernel threads)
        // cannot tell the kernel it is idle: it polls its ready lists (each poll scans
        // every vCPU's list) for up to a quantum, burning the processor the kernel gave
        // it, and only then blocks in the kernel. A lone kernel thread (N:1) blocks at once:
        // only the kernel can bring it work.
        const s = x.disp;
        const uls = v.uls;
        if (s.kthread) {
          const since = typeof x.r2 === 'number' ? x.r2 : x.now;
          if (uls.mapping === 'kernel-threads' && uls.vcpus.length > 1 && x.now - since < x.costs.quantum) {
            x.use(P_INSTRUCTION, 2 + 3 * uls.vcpus.length);
            const due = uls.timers[0];
            if (uls.policy.size() > 0 || (due !== undefined && due.until <= x.now)) x.goto(run, 1);
            return;
          }
        } else {
          const spun = typeof x.r2 === 'number' ? x.r2 : 0;
          if (spun < IDLE_SPIN) {
            x.r2 = spun + 1;
            if (uls.policy.size() > 0 || s.delivered !== s.seen) x.goto(run, 1);
            return;
          }
        }
        s.haswork = 0;
        s.wakeup = earliestTimer(v);
        x.pc = 5;
        x.syscall(s.kthread ? SYS_YIELD : SYS_VCPU_IDLE);
        return;
      }
      case 5:
        // A kernel thread's sys_yield returns when there may be work: look again.
        if (!x.disp.kthread) panic('sched', `vCPU ${v.index}: sys_yield returned to an upcalled dispatcher`);
        x.goto(run, 0);
        return;
      default:
        panic('sched', `vCPU ${v.index}: bad pc ${x.pc}`);
    }
  },
};
