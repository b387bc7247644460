/**
 * Critical-section recovery (Anderson et al.), recover mode only. The check runs at the
 * head of the run upcall, before it takes any lock: a thread that the upcall found
 * preempted (its own vCPU's, or one carried by a `preempted` / `unblocked` notice)
 * inside a critical section of the user-level scheduler is continued at once by a
 * user-level switch. When it leaves its last critical section it traps here
 * (recover_done), which sets it aside and re-enters the upcall.
 *
 * Invariants:
 *  1. No lock is taken before recovery: a preempted holder of the sched lock finishes
 *     its critical section before anything else touches the run queue.
 *  2. A thread's context is taken out of the enabled area or its notice exactly once.
 *  3. Threads set aside (`deferred`) are requeued under the sched lock by the upcall.
 */
import type { Context, Routine, SmExec, UpcallEvent } from '../../kernel-sim/abi';
import type { Tcb } from '../tcb';
import { storeContext } from '../uls';
import type { Vcpu } from '../uls';
import { currentOf, vcpuOfExec } from './common';
import { run } from './run';

/** Does a notice in `events` hand back a thread of v's process caught inside a critical section? */
export function recoverable(v: Vcpu, events: readonly UpcallEvent[]): boolean {
  for (const ev of events) {
    if ((ev.kind !== 'preempted' && ev.kind !== 'unblocked') || ev.context.kind !== 'gen') continue;
    const stack = ev.context.stack;
    const t = v.uls.threads.find((y) => y.stack === stack);
    if (t !== undefined && t.spinDepth > 0) return true;
  }
  return false;
}

/** Find (and take out of the enabled area or the notices) a thread to continue first; null when none. */
export function recoveryCandidate(x: SmExec, v: Vcpu): Tcb | null {
  const s = x.disp;
  const uls = v.uls;
  const cur = v.current;
  const area = s.enabledArea;
  // Threads handed back by notices first: a lock holder returning from the kernel must
  // run before our own thread, which may only be spinning to acquire that lock.
  for (let i = 0; i < s.events.length; i++) {
    const ev = s.events[i];
    if (ev === undefined || (ev.kind !== 'preempted' && ev.kind !== 'unblocked') || ev.context.kind !== 'gen') continue;
    const stack = ev.context.stack;
    const t = uls.threads.find((y) => y.stack === stack);
    if (t === undefined || t.spinDepth === 0) continue;
    // Our own thread's preempted notice (a kick) is the enabled-area case below.
    if (t === cur) continue;
    s.events.splice(i, 1);
    if (cur !== null && area !== null) {
      // Set our own interrupted thread aside; the upcall requeues it under the lock.
      storeContext(x, cur, area);
      s.enabledArea = null;
      dropOwnPreempted(s.events, area);
      v.deferred.push(cur);
      v.current = null;
    }
    storeContext(x, t, ev.context);
    if (ev.kind === 'unblocked') {
      uls.inKernel.delete(ev.activation);
      t.wakeValue = ev.result;
      v.recycle.push(ev.activation);
    } else {
      const owner = uls.vcpus[ev.vcpu];
      if (owner !== undefined && owner.current === t) owner.current = null;
      if (ev.vcpu !== v.index) v.recycle.push(ev.activation);
    }
    if (t.state !== 'running') t.transition('running', x.now);
    return t;
  }
  if (cur !== null && area !== null && cur.spinDepth > 0) {
    storeContext(x, cur, area);
    s.enabledArea = null;
    dropOwnPreempted(s.events, area);
    return cur;
  }
  return null;
}

function dropOwnPreempted(events: SmExec['disp']['events'], ctx: Context): void {
  const i = events.findIndex((e) => e.kind === 'preempted' && e.context === ctx);
  if (i >= 0) events.splice(i, 1);
}

/** The recovered thread left its last critical section: set it aside and go on with the upcall. */
export const recoverDone: Routine = {
  name: 'recover_done',
  size: 1,
  base: 0,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'recover_done');
    storeContext(x, me, x.r0 as Context);
    me.recovering = false;
    v.deferred.push(me);
    v.current = null;
    x.cost = x.costs.userSave;
    x.trace('recovered', me.id, 0);
    x.goto(run, 0);
  },
};
