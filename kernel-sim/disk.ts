/**
 * A simulated disk: one head, a fixed latency per request plus a per-byte transfer
 * cost, and a queue of requests waiting for the head. Which queued request the head
 * serves next is a decision (`io`, default 0: the oldest, so FIFO), so a test can
 * vary the order in which pending I/O completes.
 *
 * Invariants:
 *  1. At most one request is in service; a request waits only while another is.
 *  2. A request never completes before it was submitted + its service time.
 *  3. Every submitted request is served exactly once (none is dropped or doubled).
 *  4. With the default decision (always 0) completion order is submission order.
 */
import { Deque } from './deque';

export interface DiskRequest {
  /** The caller's tag (the kernel's wait id) and owner (its process). */
  readonly tag: number;
  readonly owner: number;
  readonly bytes: number;
  readonly submitted: number;
}

/** A request the head has started, with the time it completes. */
export interface DiskStart {
  readonly request: DiskRequest;
  readonly done: number;
}

export class Disk {
  private readonly queue = new Deque<DiskRequest>();
  private inService: DiskRequest | null = null;
  requests = 0;
  /** Sum of service times (queueing excluded). */
  busy = 0;

  constructor(readonly latency: number, readonly perByte: number) {}

  /** Requests waiting for the head (not counting the one in service). */
  get queued(): number {
    return this.queue.length;
  }

  get idle(): boolean {
    return this.inService === null;
  }

  /** Service time of a transfer of `bytes`. */
  service(bytes: number): number {
    return this.latency + Math.ceil(bytes * this.perByte);
  }

  /** Queue a transfer at `now`; when the head is idle it starts at once (returned), else null. */
  submit(now: number, bytes: number, tag: number, owner: number): DiskStart | null {
    this.requests++;
    const req: DiskRequest = { tag, owner, bytes, submitted: now };
    if (this.inService !== null) {
      this.queue.push(req);
      return null;
    }
    return this.start(req, now);
  }

  /**
   * The request in service finished at `now`: start queued request number `pick`
   * (0 = the oldest). Returns what started, or null when nothing waits.
   */
  advance(now: number, pick: number): DiskStart | null {
    this.inService = null;
    if (this.queue.length === 0) return null;
    if (!Number.isInteger(pick) || pick < 0 || pick >= this.queue.length) {
      throw new RangeError(`disk: request #${String(pick)} picked from a queue of ${this.queue.length}`);
    }
    const req = this.queue.removeAt(pick) as DiskRequest;
    return this.start(req, now);
  }

  private start(req: DiskRequest, now: number): DiskStart {
    const s = this.service(req.bytes);
    this.inService = req;
    this.busy += s;
    return { request: req, done: now + s };
  }
}
