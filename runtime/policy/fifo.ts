/**
 * FIFO round-robin (Barrelfish): one queue per process; new, woken, yielding and
 * preempted threads join the tail; every vCPU takes from the head.
 *
 * Invariants: see policy.ts. The ring grows by doubling; head/tail wrap.
 */
import type { Tcb } from '../tcb';
import { panic } from '../errors';
import { checkEntry, markQueued } from './policy';
import type { EnqueueWhy, RunPolicy } from './policy';

export class FifoPolicy implements RunPolicy {
  readonly name = 'fifo';
  private ring: (Tcb | undefined)[] = new Array<Tcb | undefined>(16);
  private head = 0;
  private count = 0;
  /** The last well-formedness pass (threads seen in a pass carry its number). */
  private stamp = 0;

  enqueue(t: Tcb, _vcpu: number, _why: EnqueueWhy): void {
    markQueued(t, this.name);
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = t;
    this.count++;
  }

  pickNext(_vcpu: number): Tcb | null {
    if (this.count === 0) return null;
    const t = this.ring[this.head] as Tcb;
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    t.queued = false;
    return t;
  }

  order(_vcpu: number): Tcb[] {
    return this.snapshot() as Tcb[];
  }

  take(_vcpu: number, t: Tcb): void {
    const mask = this.ring.length - 1;
    let i = 0;
    while (i < this.count && this.ring[(this.head + i) & mask] !== t) i++;
    if (i === this.count) panic('fifo.take', `${t.label} is not queued`);
    for (; i < this.count - 1; i++) this.ring[(this.head + i) & mask] = this.ring[(this.head + i + 1) & mask];
    this.ring[(this.head + this.count - 1) & mask] = undefined;
    this.count--;
  }

  size(): number {
    return this.count;
  }

  snapshot(): readonly Tcb[] {
    const out: Tcb[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.ring[(this.head + i) & (this.ring.length - 1)] as Tcb);
    return out;
  }

  check(): string | null {
    const pass = ++this.stamp; // a fresh stamp per well-formedness pass (per queue, so per machine)
    const mask = this.ring.length - 1;
    for (let i = 0; i < this.count; i++) {
      const bad = checkEntry(this.ring[(this.head + i) & mask], pass, 'fifo');
      if (bad !== null) return bad;
    }
    return null;
  }

  private grow(): void {
    const next = new Array<Tcb | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
