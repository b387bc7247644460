/**
 * A double-ended queue on a ring buffer: push and shift (and unshift, pop) in O(1), so
 * a queue of a million waiters costs no more per operation than a queue of one. Used
 * for wait queues, run queues and the disk's queue.
 *
 * Invariants:
 *  1. The ring's size is a power of two; `head` indexes the first element; `count`
 *     elements follow it, wrapping.
 *  2. Slots outside the live range hold undefined (nothing is kept alive by the ring).
 *  3. Iteration order is queue order, first to last.
 */
export class Deque<T> implements Iterable<T> {
  private ring: (T | undefined)[] = new Array<T | undefined>(8);
  private head = 0;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(x: T): void {
    if (this.count === this.ring.length) this.grow();
    this.ring[(this.head + this.count) & (this.ring.length - 1)] = x;
    this.count++;
  }

  unshift(x: T): void {
    if (this.count === this.ring.length) this.grow();
    this.head = (this.head - 1) & (this.ring.length - 1);
    this.ring[this.head] = x;
    this.count++;
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const x = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
    return x;
  }

  pop(): T | undefined {
    if (this.count === 0) return undefined;
    const i = (this.head + this.count - 1) & (this.ring.length - 1);
    const x = this.ring[i];
    this.ring[i] = undefined;
    this.count--;
    return x;
  }

  /** The first element (undefined when empty). */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.ring[this.head];
  }

  /** Element i from the front (0-based), or undefined. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    return this.ring[(this.head + i) & (this.ring.length - 1)];
  }

  /** Remove and return element i (O(distance to the nearer end)). */
  removeAt(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    if (i === 0) return this.shift();
    const mask = this.ring.length - 1;
    const x = this.ring[(this.head + i) & mask];
    for (let j = i; j < this.count - 1; j++) this.ring[(this.head + j) & mask] = this.ring[(this.head + j + 1) & mask];
    this.ring[(this.head + this.count - 1) & mask] = undefined;
    this.count--;
    return x;
  }

  /** Index of x from the front, or -1. */
  indexOf(x: T): number {
    for (let i = 0; i < this.count; i++) if (this.ring[(this.head + i) & (this.ring.length - 1)] === x) return i;
    return -1;
  }

  includes(x: T): boolean {
    return this.indexOf(x) >= 0;
  }

  /** Remove and return every element, in order. */
  drain(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift() as T);
    return out;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.count; i++) yield this.ring[(this.head + i) & (this.ring.length - 1)] as T;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.ring.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.ring[(this.head + i) & (this.ring.length - 1)];
    this.ring = next;
    this.head = 0;
  }
}
