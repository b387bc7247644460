/**
 * A simulated disk: one FIFO queue, a fixed latency per request plus a per-byte
 * transfer cost. Requests complete in submission order.
 *
 * Invariants:
 *  1. Completion times are non-decreasing in submission order (FIFO, one head).
 *  2. A request never completes before it was submitted + latency.
 */
export class Disk {
  private busyUntil = 0;
  requests = 0;
  busy = 0;

  constructor(readonly latency: number, readonly perByte: number) {}

  /** Queue a transfer of `bytes` at time `now`; returns its completion time. */
  submit(now: number, bytes: number): number {
    const start = Math.max(now, this.busyUntil);
    const service = this.latency + Math.ceil(bytes * this.perByte);
    this.busyUntil = start + service;
    this.requests++;
    this.busy += service;
    return this.busyUntil;
  }
}
