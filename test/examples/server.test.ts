/**
 * examples/server.ts: the I/O-bound server gives the same results on every mapping, and
 * the mappings order the way their mechanisms say they must (seed 7, 4 CPUs, 48
 * requests, mean inter-arrival gap 120 us, which keeps the one FIFO disk ~90% busy).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CONFIGS, requestBytes, runServer, serveOn } from '../../examples/server';
import type { ServerComparison, ServerRow } from '../../examples/server';

let c: ServerComparison;
const row = (label: string): ServerRow => {
  const r = c.rows.find((x) => x.label === label);
  if (r === undefined) throw new Error(`no row ${label}`);
  return r;
};

beforeAll(() => {
  c = runServer();
});

describe('examples/server: results', () => {
  it('runs the five configurations to completion with identical outcomes', () => {
    expect(c.rows.map((r) => r.label)).toEqual(['1:1', 'N:1', 'M:N', 'M:N + activations', '1:1 heavyweight']);
    expect(c.agree).toBe(true);
    const bytes = Array.from({ length: 48 }, (_, i) => requestBytes(i));
    for (const r of c.rows) {
      expect(r.report.outcome, r.label).toEqual({ kind: 'completed' });
      expect(r.report.violationCount).toBe(0);
      expect(r.outcome.bytesPerRequest).toEqual(bytes);
      expect(r.outcome.totalBytes).toBe(bytes.reduce((a, b) => a + b, 0));
      expect(r.outcome.cacheUpdates).toBe(48);
      expect(r.outcome.cache.reduce((a, [, n]) => a + n, 0)).toBe(48);
      expect(r.latencies.every((x) => x > 0)).toBe(true);
      expect(r.report.counts.diskRequests).toBe(48);
      expect(r.report.processes[0]!.threads.every((t) => t.state === 'exited')).toBe(true);
    }
  });

  it('request sizes are 4..16 KiB', () => {
    for (let i = 0; i < 48; i++) {
      expect(requestBytes(i)).toBeGreaterThanOrEqual(4096);
      expect(requestBytes(i)).toBeLessThanOrEqual(16 * 1024);
    }
  });

  it('agrees across mappings at another load too (16 requests, 60 us gaps)', () => {
    const d = runServer({ requests: 16, meanGapNs: 60_000 });
    expect(d.agree).toBe(true);
  });

  it('is deterministic', () => {
    const sa = SERVER_CONFIGS.find((x) => x.label === 'M:N + activations')!;
    expect(serveOn(sa).report.traceHash).toBe(row('M:N + activations').report.traceHash);
  });
});

describe('examples/server: the mappings in simulated time', () => {
  it('N:1 cannot overlap a read with compute: it takes at least disk + compute time', () => {
    const n1 = row('N:1');
    expect(n1.endTime).toBeGreaterThanOrEqual(c.diskNs + c.computeNs);
    expect(row('M:N + activations').endTime).toBeLessThan(c.diskNs + c.computeNs);
    // one kernel thread on a 4-CPU machine
    expect(n1.cpuUtilization).toBeLessThanOrEqual(0.25);
  });

  it('with activations the server finishes far sooner and answers faster than N:1, and level with plain M:N (disk-bound)', () => {
    const sa = row('M:N + activations');
    const n1 = row('N:1');
    expect(sa.endTime).toBeLessThan(n1.endTime * 0.8);
    expect(sa.meanLatency).toBeLessThan(n1.meanLatency / 3);
    expect(sa.p99Latency).toBeLessThan(n1.p99Latency / 3);
    // the single FIFO disk bounds both: plain M:N never loses more than a kernel thread at a time here
    const mn = row('M:N');
    expect(Math.abs(sa.endTime - mn.endTime)).toBeLessThan(sa.endTime * 0.01);
    expect(sa.upcalls).toBeGreaterThan(0);
    expect(mn.upcalls).toBe(0);
  });

  it('the disk bounds everyone: no mapping beats the total disk time', () => {
    for (const r of c.rows) expect(r.endTime, r.label).toBeGreaterThan(c.diskNs);
  });

  it('heavyweight processes are slower than 1:1 threads and hold more CPU', () => {
    const one = row('1:1');
    const hw = row('1:1 heavyweight');
    expect(hw.endTime).toBeGreaterThan(one.endTime);
    expect(hw.meanLatency).toBeGreaterThan(one.meanLatency);
    expect(hw.meanAcceptDelay).toBeGreaterThan(one.meanAcceptDelay); // a process per request
    expect(hw.cpuUtilization).toBeGreaterThan(one.cpuUtilization);
  });

  it('N:1 makes the fewest kernel crossings; 1:1 pays several per request', () => {
    const n1 = row('N:1');
    for (const r of c.rows) if (r !== n1) expect(r.kernelCrossings, r.label).toBeGreaterThan(n1.kernelCrossings);
    // every read is a crossing, and in N:1 little else is
    expect(n1.kernelCrossings).toBeGreaterThanOrEqual(48);
    expect(n1.kernelCrossings).toBeLessThan(2 * 48);
    // 1:1: each handler's creation, read and exit are kernel calls
    for (const r of [row('1:1'), row('1:1 heavyweight')]) expect(r.kernelCrossings, r.label).toBeGreaterThanOrEqual(3 * 48);
  });

  it('only activations deliver upcalls: at least blocked + unblocked per read, from a recycled pool', () => {
    const sa = row('M:N + activations');
    for (const r of c.rows) if (r !== sa) expect(r.upcalls, r.label).toBe(0);
    expect(sa.upcalls).toBeGreaterThanOrEqual(2 * 48);
    const acts = sa.report.processes[0]!.activations!;
    expect(acts.exhausted).toBe(0);
    expect(acts.reused).toBeGreaterThan(0);
    expect(acts.created).toBeLessThan(48); // 48 reads blocked without 48 activations
  });
});
