/**
 * Per-vCPU LIFO ready lists with work stealing (FastThreads): a vCPU pushes new and
 * woken threads on its own list and pops the newest (cache-warm) one; an empty vCPU
 * steals the oldest thread of the next non-empty list, scanning round-robin from its
 * right-hand neighbour. Preempted and yielding threads go to the bottom of the local
 * list so a yield really lets the others run.
 *
 * Invariants: see policy.ts. Each list is a ring deque (top = end): O(1) at both ends.
 */
import { Deque } from '../../kernel-sim/abi';
import type { Tcb } from '../tcb';
import { panic } from '../errors';
import { checkEntry, markQueued } from './policy';
import type { EnqueueWhy, RunPolicy } from './policy';

export class LifoStealPolicy implements RunPolicy {
  readonly name = 'lifo-steal';
  private readonly lists: Deque<Tcb>[];
  private count = 0;
  /** The last well-formedness pass (threads seen in a pass carry its number). */
  private stamp = 0;
  /** Threads taken from another vCPU's list. */
  steals = 0;

  constructor(vcpus: number) {
    this.lists = Array.from({ length: vcpus }, () => new Deque<Tcb>());
  }

  enqueue(t: Tcb, vcpu: number, why: EnqueueWhy): void {
    markQueued(t, this.name);
    const list = this.lists[vcpu] ?? (this.lists[0] as Deque<Tcb>);
    if (why === 'yield' || why === 'preempt') list.unshift(t);
    else list.push(t);
    this.count++;
  }

  pickNext(vcpu: number): Tcb | null {
    const n = this.lists.length;
    const own = this.lists[vcpu];
    let t: Tcb | undefined = own?.pop();
    if (t === undefined) {
      for (let i = 1; i < n && t === undefined; i++) {
        const victim = this.lists[(vcpu + i) % n] as Deque<Tcb>;
        t = victim.shift();
        if (t !== undefined) this.steals++;
      }
    }
    if (t === undefined) return null;
    this.count--;
    t.queued = false;
    return t;
  }

  order(vcpu: number): Tcb[] {
    // its own list newest first, then each other list oldest first, from its right-hand neighbour
    const n = this.lists.length;
    const out: Tcb[] = [];
    const own = this.lists[vcpu];
    if (own !== undefined) for (let i = own.length - 1; i >= 0; i--) out.push(own.at(i) as Tcb);
    for (let j = 1; j < n; j++) for (const t of this.lists[(vcpu + j) % n] as Deque<Tcb>) out.push(t);
    return out;
  }

  take(vcpu: number, t: Tcb): void {
    for (let j = 0; j < this.lists.length; j++) {
      const list = this.lists[j] as Deque<Tcb>;
      const i = list.indexOf(t);
      if (i < 0) continue;
      list.removeAt(i);
      if (j !== vcpu) this.steals++;
      this.count--;
      return;
    }
    panic('lifo-steal.take', `${t.label} is not queued`);
  }

  size(): number {
    return this.count;
  }

  snapshot(): readonly Tcb[] {
    return this.lists.flatMap((l) => [...l]);
  }

  check(): string | null {
    const pass = ++this.stamp; // a fresh stamp per well-formedness pass (per queue, so per machine)
    let n = 0;
    for (let v = 0; v < this.lists.length; v++) {
      const list = this.lists[v] as Deque<Tcb>;
      for (const t of list) {
        const bad = checkEntry(t, pass, `lifo-steal list ${v}`);
        if (bad !== null) return bad;
        n++;
      }
    }
    return n === this.count ? null : `lifo-steal: ${n} threads on the lists but a count of ${this.count}`;
  }
}
