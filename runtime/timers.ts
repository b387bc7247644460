/**
 * The sleeping threads of one process: a binary min-heap ordered by (wake time, arrival),
 * so threads due at the same time wake in the order they went to sleep. Insert and
 * take-earliest are O(log n) (a sorted array was O(n) per sleep).
 *
 * Invariants:
 *  1. heap[0] is the thread with the smallest (until, seq); every parent orders before
 *     its children.
 *  2. A thread is in the heap at most once (the sched lock guards it).
 */
import type { Tcb } from './tcb';

interface Entry {
  readonly t: Tcb;
  readonly until: number;
  readonly seq: number;
}

export class TimerHeap {
  private readonly heap: Entry[] = [];
  private seq = 0;

  get length(): number {
    return this.heap.length;
  }

  /** The earliest sleeper, or undefined. */
  peek(): Tcb | undefined {
    return this.heap[0]?.t;
  }

  push(t: Tcb): void {
    const h = this.heap;
    const e: Entry = { t, until: t.until, seq: this.seq++ };
    let i = h.length;
    h.push(e);
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = h[p] as Entry;
      if (before(pe, e)) break;
      h[i] = pe;
      i = p;
    }
    h[i] = e;
  }

  /** Take the earliest sleeper. */
  pop(): Tcb | undefined {
    const h = this.heap;
    const top = h[0];
    if (top === undefined) return undefined;
    const last = h.pop() as Entry;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && before(h[r] as Entry, h[l] as Entry) ? r : l;
        if (before(last, h[c] as Entry)) break;
        h[i] = h[c] as Entry;
        i = c;
      }
      h[i] = last;
    }
    return top.t;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.until < b.until || (a.until === b.until && a.seq < b.seq);
}
