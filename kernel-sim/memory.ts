/**
 * Memory residency of one process: a resident-set limit in pages with LRU
 * replacement. A touch of a resident page is a hit (and refreshes its LRU position);
 * a touch of any other page is a fault, serviced by a disk read, after which the page
 * is installed, evicting the least recently used page when the set is full.
 *
 * Invariants:
 *  1. resident.size <= limit at all times.
 *  2. Map insertion order is LRU order: the first key is the least recently used.
 */
export class Residency {
  private readonly resident = new Map<number, true>();
  hits = 0;
  faults = 0;
  evictions = 0;

  constructor(readonly limit: number) {}

  /** True when `page` is resident (and marks it most recently used). */
  touch(page: number): boolean {
    if (!this.resident.has(page)) return false;
    this.resident.delete(page);
    this.resident.set(page, true);
    this.hits++;
    return true;
  }

  /** Install a page after its fault was serviced; returns the evicted page or -1. */
  install(page: number): number {
    if (this.resident.has(page)) return -1;
    let evicted = -1;
    if (this.resident.size >= this.limit) {
      const first = this.resident.keys().next();
      if (first.done !== true) {
        evicted = first.value;
        this.resident.delete(evicted);
        this.evictions++;
      }
    }
    this.resident.set(page, true);
    return evicted;
  }

  /** Is `page` resident (no LRU update, no count)? */
  has(page: number): boolean {
    return this.resident.has(page);
  }

  /** Page `page` out (a decided eviction); true when it was resident. */
  evict(page: number): boolean {
    if (!this.resident.delete(page)) return false;
    this.evictions++;
    return true;
  }

  get size(): number {
    return this.resident.size;
  }
}
