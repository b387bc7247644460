/**
 * The simulated disk (kernel-sim/disk.ts): one head and a queue served FIFO unless the
 * `io` decision picks otherwise, a fixed latency per request plus a per-byte transfer;
 * its counters; how the kernel builds it from the cost model
 * (diskLatency, diskPerKiB); and the time a thread's read() really takes through a
 * Machine.
 */
import { describe, expect, it } from 'vitest';
import { Disk } from '../../kernel-sim/disk';
import { join, Machine, now, read, spawn } from '../../src/index';
import type { Code } from '../../src/index';
import { makeKernel } from './harness';

/** Drive a Disk as the kernel does, FIFO unless `pick` says otherwise: completion time per tag. */
function serve(d: Disk, reqs: readonly { at: number; bytes: number }[], pick: (queued: number) => number = () => 0): number[] {
  const done: number[] = [];
  let head: { tag: number; done: number } | null = null;
  let i = 0;
  while (i < reqs.length || head !== null) {
    const next = reqs[i];
    if (next !== undefined && (head === null || next.at <= head.done)) {
      const s = d.submit(next.at, next.bytes, i, 0);
      if (s !== null) head = { tag: s.request.tag, done: s.done };
      i++;
      continue;
    }
    const h = head as { tag: number; done: number };
    done[h.tag] = h.done;
    const q = d.queued;
    const s = d.advance(h.done, q > 1 ? pick(q) : 0);
    head = s === null ? null : { tag: s.request.tag, done: s.done };
  }
  return done;
}

describe('Disk: one head, a queue', () => {
  it('two requests submitted at the same time complete at latency+transfer and at twice that', () => {
    const d = new Disk(1_000, 1); // 1 ns per byte
    expect(serve(d, [{ at: 0, bytes: 1024 }, { at: 0, bytes: 1024 }, { at: 10, bytes: 0 }])).toEqual([2_024, 4_048, 5_048]);
  });

  it('an idle disk starts a request when it is submitted, not when the last one ended', () => {
    const d = new Disk(500, 0);
    expect(serve(d, [{ at: 100, bytes: 4096 }, { at: 10_000, bytes: 4096 }, { at: 10_500, bytes: 0 }])).toEqual([600, 10_500, 11_000]);
  });

  it('submit starts at once on an idle head and queues behind a busy one', () => {
    const d = new Disk(100, 0);
    expect(d.submit(0, 0, 7, 3)).toEqual({ request: { tag: 7, owner: 3, bytes: 0, submitted: 0 }, done: 100 });
    expect(d.idle).toBe(false);
    expect(d.submit(5, 0, 8, 3)).toBeNull();
    expect(d.queued).toBe(1);
    expect(d.advance(100, 0)?.done).toBe(200);
    expect(d.advance(200, 0)).toBeNull();
    expect(d.idle).toBe(true);
  });

  it('completion times are non-decreasing in FIFO order and never earlier than submit + service', () => {
    const d = new Disk(300, 0.25);
    const reqs: { at: number; bytes: number }[] = [];
    let t = 0;
    for (let i = 0; i < 50; i++) {
      t += (i * 37) % 400; // submissions in time order, sometimes bunched, sometimes spread
      reqs.push({ at: t, bytes: (i * 977) % 9000 });
    }
    const done = serve(d, reqs);
    let last = 0;
    reqs.forEach((r, i) => {
      expect(done[i]).toBeGreaterThanOrEqual(last);
      expect(done[i]).toBeGreaterThanOrEqual(r.at + 300 + Math.ceil(r.bytes * 0.25));
      last = done[i] as number;
    });
  });

  it('a decided order serves the newest first; every request is still served once', () => {
    const d = new Disk(100, 0);
    const reqs = [{ at: 0, bytes: 0 }, { at: 1, bytes: 0 }, { at: 2, bytes: 0 }, { at: 3, bytes: 0 }];
    const done = serve(d, reqs, (q) => q - 1); // LIFO among the waiting
    expect(done).toEqual([100, 400, 300, 200]);
    expect(d.requests).toBe(4);
  });

  it('picking outside the queue is a RangeError naming the pick', () => {
    const d = new Disk(100, 0);
    d.submit(0, 0, 1, 0);
    d.submit(0, 0, 2, 0);
    expect(() => d.advance(100, 3)).toThrow(/request #3 picked from a queue of 1/);
  });

  it('transfer time is per byte, rounded up to whole ns', () => {
    const d = new Disk(0, 1_000 / 1024); // 1000 ns per KiB
    expect(d.service(1)).toBe(1); // 0.98 ns -> 1
    expect(d.service(1024)).toBe(1_000);
    expect(d.service(4096)).toBe(4_000);
    expect(d.service(0)).toBe(0); // zero latency, zero bytes: done at once
  });

  it('counts requests and busy time (the sum of service times, queueing excluded)', () => {
    const d = new Disk(100, 0.5);
    expect(d.requests).toBe(0);
    expect(d.busy).toBe(0);
    serve(d, [{ at: 0, bytes: 10 }, { at: 0, bytes: 11 }, { at: 1_000, bytes: 0 }]); // 105, 106 (ceil 5.5), 100
    expect(d.requests).toBe(3);
    expect(d.busy).toBe(105 + 106 + 100);
  });
});

describe('Disk in the kernel: built from the cost model', () => {
  it('uses diskLatency per request and diskPerKiB per 1024 bytes', () => {
    const k = makeKernel({ costs: { diskLatency: 7_000, diskPerKiB: 300 } });
    expect(k.disk.latency).toBe(7_000);
    expect(k.disk.service(4096)).toBe(7_000 + 1_200);
    expect(k.disk.service(2048)).toBe(7_000 + 600);
  });
});

describe('Disk through a Machine (seed 11)', () => {
  it('a read takes latency + transfer; two readers at once are served one after the other', () => {
    const spans: number[] = [];
    function* reader(bytes: number): Code<number> {
      const t0 = yield* now();
      const got = yield* read(bytes);
      spans.push((yield* now()) - t0);
      return got;
    }
    function* main(): Code<number[]> {
      const a = yield* spawn(reader, 8192);
      const b = yield* spawn(reader, 8192);
      return [yield* join(a), yield* join(b)];
    }
    const m = new Machine({ cpus: 1, seed: 11, jitter: 0, costs: { diskLatency: 50_000, diskPerKiB: 2_000 } });
    m.process({}, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toEqual([8192, 8192]);
    expect(r.counts.diskRequests).toBe(2);
    const service = 50_000 + 8 * 2_000;
    expect(spans.length).toBe(2);
    const [first, second] = spans as [number, number];
    // first: its own service plus a few us of trap/upcall/switch overhead
    expect(first).toBeGreaterThanOrEqual(service);
    expect(first).toBeLessThan(service + 5_000);
    // second: submitted a moment later, it waits for the first (FIFO): about twice
    expect(second).toBeGreaterThanOrEqual(2 * service - 5_000);
    expect(second).toBeLessThan(2 * service + 5_000);
  });
});
