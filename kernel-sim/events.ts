/**
 * The kernel's event queue: a binary min-heap of timed events ordered by (time, seq),
 * so events at the same time fire in the order they were posted (deterministic).
 *
 * Invariants:
 *  1. pop() returns events in non-decreasing time; equal times in posting order.
 *  2. Cancelled events stay in the heap and are skipped by their handler (generation
 *     counters), which keeps cancel O(1).
 */
export type KernelEvent =
  | { readonly kind: 'tick'; readonly cpu: number; readonly gen: number }
  | { readonly kind: 'wakeup'; readonly dcb: number; readonly gen: number }
  | { readonly kind: 'ipi'; readonly cpu: number }
  /** An inter-processor interrupt telling the vCPU on dispatcher `dcb` to look at its notices. */
  | { readonly kind: 'kick'; readonly dcb: number }
  /** Something now outranks what the CPU runs (a daemon; a vCPU on a CPU that left the pool): reschedule it now. */
  | { readonly kind: 'resched'; readonly cpu: number }
  /** A fixed-latency kernel block (a buffer-cache miss) of a waiting thread ends. */
  | { readonly kind: 'delay'; readonly wait: number; readonly proc: number }
  /** Retry a revocation that had to wait for dispatcher `dcb` to leave dispatcher code. */
  | { readonly kind: 'revoke'; readonly dcb: number }
  /** The disk finished the request a blocked thread waits for. */
  | { readonly kind: 'io'; readonly wait: number; readonly proc: number };

interface Entry {
  readonly time: number;
  readonly seq: number;
  readonly ev: KernelEvent;
}

export class EventQueue {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get size(): number {
    return this.heap.length;
  }

  /** Time of the earliest event, or Infinity. */
  peekTime(): number {
    const top = this.heap[0];
    return top === undefined ? Infinity : top.time;
  }

  push(time: number, ev: KernelEvent): void {
    const h = this.heap;
    const e: Entry = { time, seq: this.seq++, ev };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p] as Entry;
      if (less(pe, e)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  pop(): { time: number; ev: KernelEvent } | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as Entry;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && less(h[r] as Entry, h[l] as Entry)) c = r;
        const ce = h[c] as Entry;
        if (less(last, ce)) break;
        h[i] = ce;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

function less(a: Entry, b: Entry): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
