/**
 * The simulated disk (kernel-sim/disk.ts): one FIFO queue, a fixed latency per request
 * plus a per-byte transfer; its counters; how the kernel builds it from the cost model
 * (diskLatency, diskPerKiB); and the time a thread's read() really takes through a
 * Machine.
 */
import { describe, expect, it } from 'vitest';
import { Disk } from '../../kernel-sim/disk';
import { join, Machine, now, read, spawn } from '../../src/index';
import type { Code } from '../../src/index';
import { makeKernel } from './harness';

describe('Disk: FIFO service', () => {
  it('two requests submitted at the same time complete at latency+transfer and at twice that', () => {
    const d = new Disk(1_000, 1); // 1 ns per byte
    expect(d.submit(0, 1024)).toBe(2_024);
    expect(d.submit(0, 1024)).toBe(4_048);
    // a third one queued a little later still waits for the head
    expect(d.submit(10, 0)).toBe(5_048);
  });

  it('an idle disk starts a request when it is submitted, not when the last one ended', () => {
    const d = new Disk(500, 0);
    expect(d.submit(100, 4096)).toBe(600);
    expect(d.submit(10_000, 4096)).toBe(10_500);
    // submitted exactly when the head finishes: no wait either
    expect(d.submit(10_500, 0)).toBe(11_000);
  });

  it('completion times are non-decreasing and never earlier than submit + service', () => {
    const d = new Disk(300, 0.25);
    let last = 0;
    let t = 0;
    for (let i = 0; i < 50; i++) {
      t += (i * 37) % 400; // submissions in time order, sometimes bunched, sometimes spread
      const bytes = (i * 977) % 9000;
      const done = d.submit(t, bytes);
      expect(done).toBeGreaterThanOrEqual(last);
      expect(done).toBeGreaterThanOrEqual(t + 300 + Math.ceil(bytes * 0.25));
      last = done;
    }
  });

  it('transfer time is per byte, rounded up to whole ns', () => {
    const d = new Disk(0, 1_000 / 1024); // 1000 ns per KiB
    expect(d.submit(0, 1)).toBe(1); // 0.98 ns -> 1
    expect(d.submit(1, 1024)).toBe(1_001);
    expect(d.submit(1_001, 4096)).toBe(5_001);
    expect(d.submit(5_001, 0)).toBe(5_001); // zero latency, zero bytes: done at once
  });

  it('counts requests and busy time (the sum of service times, queueing excluded)', () => {
    const d = new Disk(100, 0.5);
    expect(d.requests).toBe(0);
    expect(d.busy).toBe(0);
    d.submit(0, 10); // 105
    d.submit(0, 11); // 106 (ceil 5.5), queued behind the first
    d.submit(1_000, 0); // 100
    expect(d.requests).toBe(3);
    expect(d.busy).toBe(105 + 106 + 100);
  });
});

describe('Disk in the kernel: built from the cost model', () => {
  it('uses diskLatency per request and diskPerKiB per 1024 bytes', () => {
    const k = makeKernel({ costs: { diskLatency: 7_000, diskPerKiB: 300 } });
    expect(k.disk.latency).toBe(7_000);
    expect(k.disk.submit(0, 4096)).toBe(7_000 + 1_200);
    expect(k.disk.submit(0, 2048)).toBe(8_200 + 7_000 + 600);
    expect(k.disk.requests).toBe(2);
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
