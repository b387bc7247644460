/**
 * Critical-section recovery (Anderson et al.), recover mode only. The check runs at the
 * head of the run upcall, before it takes any lock: a thread that the upcall found
 * preempted (its own vCPU's, or one carried by a `preempted` / `unblocked` notice)
 * inside a critical section of the user-level scheduler is continued at once by a
 * user-level switch. When it leaves its last critical section it traps here
 * (recover_done.ts), which sets it aside and re-enters the upcall. The run upcall calls
 * in here through Uls.upcalls (the dispatcher imports no policy of recovery).
 *
 * Invariants:
 *  1. No lock is taken before recovery: a preempted holder of the sched lock finishes
 *     its critical section before anything else touches the run queue.
 *  2. A thread's context is taken out of the enabled area or its notice exactly once.
 *  3. Threads caught inside a critical section wait in `caught` (their contexts in their
 *     TCBs) until this vCPU continues them; threads outside one go to `deferred` and are
 *     requeued under the sched lock by the upcall.
 *  4. Choice: the holder of the sched lock first, then holders of a SpinLock, then the
 *     others; a thread interrupted while being recovered goes behind the rest. A caught
 *     thread may only be spinning to enter (its section began before the acquire), so
 *     taking turns is what guarantees the holder runs.
 */
import type { Context, SmExec, UpcallEvent } from '../kernel-sim/abi';
import { setCurrent, storeContext } from './dispatcher';
import type { Tcb } from './tcb';
import type { Vcpu } from './uls';

/** Is a thread of v's process caught inside a critical section, here or in a notice in `events`? */
export function recoverable(v: Vcpu, events: readonly UpcallEvent[]): boolean {
  if (v.caught.length > 0) return true;
  for (const ev of events) {
    const t = caughtBy(v, ev);
    if (t !== null) return true;
  }
  return false;
}

/** The thread a preempted/unblocked notice hands back, when it is inside a critical section. */
function caughtBy(v: Vcpu, ev: UpcallEvent): Tcb | null {
  if ((ev.kind !== 'preempted' && ev.kind !== 'unblocked') || ev.context.kind !== 'gen') return null;
  const stack = ev.context.stack;
  const t = stack.thread as Tcb | null;
  if (t === null || t.process !== v.uls.process || t.stack !== stack) return null;
  return t.spinDepth > 0 ? t : null;
}

/** Collect every caught thread (own and from notices) into v.caught; pick the one to continue, or null. */
export function recoveryCandidate(x: SmExec, v: Vcpu): Tcb | null {
  const s = x.disp;
  const uls = v.uls;
  // A queued `blocked` notice is about the thread current when it blocked: keep it for
  // the drain before anything below replaces `current`.
  let blocked = 0;
  for (const ev of s.events) if (ev.kind === 'blocked') blocked++;
  if (blocked > v.blockedPending.length && v.current !== null && s.enabledArea === null) {
    v.blockedPending.push(v.current);
    setCurrent(v, null);
  }
  for (let i = 0; i < s.events.length;) {
    const ev = s.events[i] as UpcallEvent;
    const t = caughtBy(v, ev);
    // our own thread's preempted notice (a kick) is the enabled-area case below
    if (t === null || (t === v.current && ev.kind === 'preempted' && ev.context === s.enabledArea)) {
      i++;
      continue;
    }
    s.events.splice(i, 1);
    if (ev.kind !== 'preempted' && ev.kind !== 'unblocked') continue; // (caughtBy guarantees one of the two; this narrows the type)
    storeContext(x, t, ev.context);
    if (ev.kind === 'unblocked') {
      uls.inKernel.delete(ev.activation);
      t.wakeValue = ev.result;
      v.recycle.push(ev.activation);
    } else {
      const owner = uls.vcpus[ev.vcpu];
      if (owner !== undefined && owner.current === t) setCurrent(owner, null);
      if (ev.vcpu !== v.index) v.recycle.push(ev.activation);
    }
    if (!v.caught.includes(t)) v.caught.push(t);
  }
  const cur = v.current;
  const area = s.enabledArea;
  if (cur !== null && area !== null && cur.spinDepth > 0) {
    storeContext(x, cur, area);
    s.enabledArea = null;
    dropOwnPreempted(s.events, area);
    setCurrent(v, null);
    if (!v.caught.includes(cur)) v.caught.push(cur);
  }
  if (v.caught.length === 0) return null;
  if (v.current !== null && s.enabledArea !== null) {
    // Our own interrupted thread is outside any critical section: set it aside; the
    // upcall requeues it under the lock.
    const own = v.current;
    storeContext(x, own, s.enabledArea);
    dropOwnPreempted(s.events, s.enabledArea);
    s.enabledArea = null;
    v.deferred.push(own);
    setCurrent(v, null);
  }
  const t = pick(v);
  v.caught.splice(v.caught.indexOf(t), 1);
  if (t.state !== 'running') t.transition(t.state, 'running', x.now);
  return t;
}

/** Invariant 4: holders first, the thread interrupted mid-recovery last. */
function pick(v: Vcpu): Tcb {
  const sched = v.uls.sched;
  let best = v.caught[0] as Tcb;
  let bestRank = -1;
  for (const t of v.caught) {
    let rank = t.recovering ? 0 : 1; // it had its turn
    if (t.locksHeld > 0) rank += 2;
    if (sched.value !== 0 && sched.heldBy === t.stack) rank += 4;
    if (rank > bestRank) {
      best = t;
      bestRank = rank;
    }
  }
  return best;
}

function dropOwnPreempted(events: SmExec['disp']['events'], ctx: Context): void {
  const i = events.findIndex((e) => e.kind === 'preempted' && e.context === ctx);
  if (i >= 0) events.splice(i, 1);
}
