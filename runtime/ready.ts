/**
 * Making threads ready, under the sched lock (dispatcher.ts U6): the one transition into
 * the run queue (makeReadyLocked, which also claims an idle vCPU to wake or asks for a
 * processor), the busy count of activation processes, thread exit bookkeeping, the
 * process's timers, and the requeue of what a recovery set aside. The dispatcher's
 * routines and the sync primitives call these; nothing here sets `current` or touches
 * the resume bit (U5 stays dispatcher.ts's).
 */
import { REQUEST_VCPU } from '../kernel-sim/abi';
import type { CpuView } from '../kernel-sim/abi';
import type { EnqueueWhy } from './policy/policy';
import type { Tcb } from './tcb';
import type { Uls, Vcpu } from './uls';

/** A wake note's b operand (src/trace/schema.ts). */
const WHY_CODE: Readonly<Record<EnqueueWhy, number>> = { spawn: 0, wake: 1, yield: 2, preempt: 3 };

/** The state a thread comes from when made ready for each reason. */
const FROM: Readonly<Record<EnqueueWhy, Tcb['state']>> = { spawn: 'ready', wake: 'blocked', yield: 'running', preempt: 'running' };

/**
 * Make t ready (sched lock held). Returns the index of an idle vCPU claimed for a
 * wake notice, REQUEST_VCPU when the process should ask the kernel for another
 * processor (requestVcpus), or -1. Under 1:1, the thread's own kernel thread to unpark.
 */
export function makeReadyLocked(v: Vcpu, t: Tcb, why: EnqueueWhy, now: number, claim: boolean): number {
  const uls = v.uls;
  t.transition(FROM[why], 'ready', now);
  if (uls.note !== null) uls.note(v, 'wake', t.id, WHY_CODE[why]);
  t.reason = null;
  t.admitted = true;
  if (uls.mapping === '1:1') return t.kt; // its own kernel thread: unpark it
  uls.policy.enqueue(t, v.index, why);
  if (!claim) return -1;
  for (const w of uls.vcpus) {
    if (w.idle && (w.assigned || uls.mapping !== 'activations')) {
      w.idle = false;
      return w.index;
    }
  }
  // Busy threads (the count the runtime keeps) outnumber the processors it has and has
  // asked for: ask for one more, never beyond the process's vCPUs.
  if (uls.mapping === 'activations') {
    let assigned = 0;
    for (const w of uls.vcpus) if (w.assigned) assigned++;
    if (uls.busy > assigned + uls.outstanding && assigned + uls.outstanding < uls.vcpus.length) {
      uls.outstanding++;
      return REQUEST_VCPU;
    }
  }
  return -1;
}

/** Activations: apply a busy-count update made inside a batch step; returns the instructions it costs (0 elsewhere). */
export function countBusy(uls: Uls, delta: number): number {
  if (!uls.marks) return 0;
  uls.busy += delta;
  return 1;
}

/**
 * Record t's exit with `value` (sched lock held): its result, the live count, and the
 * hand-off to a waiting joiner. Returns the vCPU claimed to wake for the joiner, or -1.
 */
export function recordExitLocked(x: CpuView, v: Vcpu, t: Tcb, value: unknown, claim: boolean): number {
  t.result = value;
  t.transition('running', 'exited', x.now);
  t.saved = null;
  v.uls.live--;
  let w = -1;
  const j = t.joiner;
  if (j !== null) {
    j.wakeValue = value;
    t.joined = true;
    w = makeReadyLocked(v, j, 'wake', x.now, claim);
  }
  v.uls.releaseIfDone(t); // joined by a waiting joiner, or detached: nobody asks again
  x.trace('exit', t.id, 0);
  return w;
}

/** Put t on the process's timers (sched lock held): ordered by until, then arrival. */
export function addTimerLocked(v: Vcpu, t: Tcb): void {
  v.uls.timers.push(t);
}

/** The earliest timer of the process, or 0 (what an idle vCPU arms as its kernel wakeup). */
export function earliestTimer(v: Vcpu): number {
  const t = v.uls.timers.peek();
  return t === undefined ? 0 : t.until;
}

/**
 * Fire due timers (sched lock held); returns a vCPU claimed to wake (only when canClaim)
 * or -1, and the instructions it took (one per timer, and one per busy-count update).
 */
export function fireTimersLocked(v: Vcpu, now: number, canClaim: boolean): { wake: number; fired: number } {
  const ts = v.uls.timers;
  let fired = 0;
  let wake = -1;
  for (let first = ts.peek(); first !== undefined && first.until <= now; first = ts.peek()) {
    const t = ts.pop() as Tcb;
    fired += countBusy(v.uls, 1);
    const w = makeReadyLocked(v, t, 'wake', now, canClaim && wake === -1);
    if (w !== -1) wake = w;
    fired++;
  }
  return { wake, fired };
}

/**
 * Requeue the threads recovery set aside, and finish the sleeps and exits it interrupted
 * (sched lock held). Caught threads still waiting for recovery are requeued too: holding
 * the sched lock proves none of them holds it, so ordinary scheduling finishes their
 * critical sections (a recovery that ended by blocking never returns to the upcall).
 * Returns the busy-count updates it made (the caller charges one instruction each).
 */
export function requeueDeferredLocked(x: CpuView, v: Vcpu): number {
  let counted = 0;
  while (v.deferred.length > 0) makeReadyLocked(v, v.deferred.shift() as Tcb, 'preempt', x.now, false);
  while (v.caught.length > 0) {
    const t = v.caught.shift() as Tcb;
    t.recovering = false;
    makeReadyLocked(v, t, 'preempt', x.now, false);
  }
  while (v.sleepers.length > 0) {
    addTimerLocked(v, v.sleepers.shift() as Tcb);
    counted += countBusy(v.uls, -1);
  }
  while (v.exits.length > 0) {
    const e = v.exits.shift() as { t: Tcb; value: unknown };
    counted += countBusy(v.uls, -1);
    const joiner = e.t.joiner;
    recordExitLocked(x, v, e.t, e.value, false);
    if (joiner !== null) counted += countBusy(v.uls, 1);
  }
  return counted;
}

