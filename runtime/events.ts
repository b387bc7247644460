/**
 * Draining the upcall events of a vCPU (sched lock held): the scheduler-activation
 * notices that tell the user level a thread blocked in the kernel, came back from it,
 * or was preempted to carry a notice. Wake/timer/vCPU notices are hints only (the run
 * queue is looked at anyway).
 *
 * Invariants:
 *  1. `blocked(A)` concerns the thread current on this vCPU, and `preempted(A, ctx, v)`
 *     the thread current on vCPU v (this one, or one the kernel revoked); both come
 *     with an immediate upcall, so the run upcall drains them first.
 *  4. vcpuAdded / vcpuRevoked keep the user's view of its processors (`assigned`).
 *  2. `unblocked(A, ctx, result)` finds its thread in `inKernel` (its `blocked` came
 *     first, from the same FIFO); the spent activation is queued for bulk recycling.
 *  3. seen = delivered after a drain: sys_yield will not block over a notice.
 */
import type { CpuView, Stack, UpcallEvent } from '../kernel-sim/abi';
import { panic } from './errors';
import type { Tcb } from './tcb';
import { setCurrent, storeContext } from './dispatcher';
import { countBusy, makeReadyLocked } from './ready';
import type { Vcpu } from './uls';

/**
 * Returns a vCPU index claimed for a wake notice (or -1) and the instructions the drain
 * took: one per event, and one per busy-count update (activations: a thread blocked in
 * or came back from the kernel).
 */
export function drainEventsLocked(x: CpuView, v: Vcpu, canClaim: boolean): { wake: number; handled: number } {
  const s = v.shared;
  const evs = s.events.splice(0, s.events.length);
  s.seen = s.delivered;
  let wake = -1;
  let counted = 0;
  for (const ev of evs) {
    if (ev.kind === 'blocked') counted += countBusy(v.uls, -1);
    else if (ev.kind === 'unblocked') counted += countBusy(v.uls, 1);
    const w = handle(x, v, ev, canClaim && wake === -1);
    if (w !== -1) wake = w;
  }
  return { wake, handled: evs.length + counted };
}

function handle(x: CpuView, v: Vcpu, ev: UpcallEvent, claim: boolean): number {
  const uls = v.uls;
  switch (ev.kind) {
    case 'wake':
    case 'timer':
      return -1;
    case 'vcpuAdded': {
      const w = uls.vcpus[ev.vcpu];
      if (w !== undefined) w.assigned = true;
      if (uls.outstanding > 0) uls.outstanding--;
      return -1;
    }
    case 'vcpuRevoked': {
      const w = uls.vcpus[ev.vcpu];
      if (w !== undefined) {
        w.assigned = false;
        w.idle = false;
      }
      return -1;
    }
    case 'blocked': {
      // the thread current when it blocked (set aside if a recovery took `current` since)
      const t = v.blockedPending.shift() ?? current(v, 'blocked');
      t.transition('running', 'blocked', x.now);
      t.reason = { kind: 'kernel', activation: ev.activation };
      uls.inKernel.set(ev.activation, t);
      if (v.current === t) setCurrent(v, null);
      x.trace('act-blocked', t.id, ev.activation);
      return -1;
    }
    case 'unblocked': {
      const t = uls.inKernel.get(ev.activation);
      if (t === undefined) return panic('events', `unblocked(${ev.activation}) before its blocked`);
      uls.inKernel.delete(ev.activation);
      storeContext(x, t, ev.context);
      t.wakeValue = ev.result;
      v.recycle.push(ev.activation);
      x.trace('act-unblocked', t.id, ev.activation);
      return makeReadyLocked(v, t, 'wake', x.now, claim);
    }
    case 'preempted': {
      // Our own vCPU (a notice was delivered by preemption) or a revoked one. The thread
      // is the one the context's stack belongs to (`current` of a revoked vCPU may be stale).
      const owner = ev.vcpu === v.index ? v : uls.vcpus[ev.vcpu];
      if (owner === undefined) return panic('events', `preempted on unknown vCPU ${ev.vcpu}`);
      const ctx = ev.context;
      const t = ctx.kind === 'gen' ? threadOf(uls, ctx.stack) : owner.current;
      if (t === undefined || t === null) return panic('events', `preempted(${ev.activation}) names no thread`);
      storeContext(x, t, ev.context);
      if (owner.current === t) setCurrent(owner, null);
      if (v.shared.enabledArea === ev.context) v.shared.enabledArea = null; // taken from the notice, not twice
      if (owner !== v) v.recycle.push(ev.activation); // the revoked vCPU's activation is spent
      return makeReadyLocked(v, t, 'preempt', x.now, claim);
    }
    default: {
      const never: never = ev;
      return panic('events', `unknown event ${JSON.stringify(never)}`);
    }
  }
}

function current(v: Vcpu, what: string): Tcb {
  const t = v.current;
  return t === null ? panic('events', `${what} event on vCPU ${v.index} with no current thread`) : t;
}

/** The thread a stack runs (its back pointer), when it is a thread of this process. */
function threadOf(uls: Vcpu['uls'], stack: Stack): Tcb | undefined {
  const t = stack.thread as Tcb | null;
  return t !== null && t.process === uls.process && t.stack === stack ? t : undefined;
}
