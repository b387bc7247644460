/**
 * The run-queue policy seam: four operations, pure data structure work, always called
 * with the process sched lock held (by dispatcher code or a disabled library frame).
 *
 * Invariants:
 *  1. A thread is enqueued only when not queued (checked here, for every policy).
 *  2. pickNext never returns a thread that is not queued; it clears `queued`.
 */
import { panic } from '../errors';
import type { Tcb } from '../tcb';

export type EnqueueWhy = 'spawn' | 'wake' | 'yield' | 'preempt';

export interface RunPolicy {
  readonly name: string;
  enqueue(t: Tcb, vcpu: number, why: EnqueueWhy): void;
  pickNext(vcpu: number): Tcb | null;
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

export function markQueued(t: Tcb, policy: string): void {
  if (t.queued) panic(`${policy}.enqueue`, `${t.label} is already on a run queue`);
  t.queued = true;
}
