/**
 * The run-queue policy seam: four operations, pure data structure work, always called
 * with the process sched lock held (by dispatcher code or a disabled library frame).
 *
 * Invariants:
 *  1. A thread is enqueued only when not queued (checked here, for every policy).
 *  2. pickNext never returns a thread that is not queued; it clears `queued`.
 *  3. order(v)[0] is the thread pickNext(v) would return; take(v, t) removes exactly t.
 *     pickThread asks the pick hook (race testing) only when there is a choice, and
 *     answer 0 is pickNext itself: a run whose hook always answers 0 is the untested run.
 */
import { panic } from '../errors';
import type { Tcb } from '../tcb';

export type EnqueueWhy = 'spawn' | 'wake' | 'yield' | 'preempt';

export interface RunPolicy {
  readonly name: string;
  enqueue(t: Tcb, vcpu: number, why: EnqueueWhy): void;
  pickNext(vcpu: number): Tcb | null;
  /** The threads vCPU `vcpu` may take, in the order it would take them (test mode: picks). */
  order(vcpu: number): Tcb[];
  /** Take queued thread t for vCPU `vcpu` (one that order(vcpu) offered). */
  take(vcpu: number, t: Tcb): void;
  /** Number of queued threads. */
  size(): number;
  /** Every queued thread (for invariant checks and reports). */
  snapshot(): readonly Tcb[];
  /** Well-formedness, without allocating (test mode, every instruction): null, or what is wrong. */
  check(): string | null;
}

/** One queued entry of a pass: queued, ready, not seen before in this pass. */
export function checkEntry(t: Tcb | undefined, pass: number, where: string): string | null {
  if (t === undefined) return `${where}: an empty slot inside the queue`;
  if (t.stamp === pass) return `${where}: ${t.label} is queued twice`;
  t.stamp = pass;
  if (!t.queued) return `${where}: ${t.label} is on the queue but not marked queued`;
  if (t.state !== 'ready') return `${where}: ${t.label} is queued while ${t.state}`;
  return null;
}

export type PolicyName = 'fifo' | 'lifo-steal';

/** Race testing: which of `order` (more than one) vCPU `vcpu` runs next; 0 = the policy's own choice. */
export type PickHook = (vcpu: number, order: readonly Tcb[]) => number;

/** The next thread for vCPU `vcpu` (sched lock held): the policy's, or the pick hook's (invariant 3). */
export function pickThread(policy: RunPolicy, hook: PickHook | null, vcpu: number): Tcb | null {
  if (hook === null || policy.size() < 2) return policy.pickNext(vcpu);
  const order = policy.order(vcpu);
  if (order.length < 2) return policy.pickNext(vcpu);
  const i = hook(vcpu, order);
  if (i === 0) return policy.pickNext(vcpu);
  const t = order[i];
  if (t === undefined) panic('pickThread', `the pick hook answered ${i} of ${order.length} threads`);
  policy.take(vcpu, t);
  t.queued = false;
  return t;
}

export function markQueued(t: Tcb, policy: string): void {
  if (t.queued) panic(`${policy}.enqueue`, `${t.label} is already on a run queue`);
  t.queued = true;
}
