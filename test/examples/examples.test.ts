import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { boundedBuffer } from '../../examples/bounded-buffer';
import { parallelSum, parallelSumScaling } from '../../examples/parallel-sum';
import { readersWriters } from '../../examples/readers-writers';
import { threadHello } from '../../examples/thread-hello';

const range = (lo: number, n: number): number[] => Array.from({ length: n }, (_, i) => lo + i);

describe('examples/thread-hello', () => {
  it('joins ten threads in order and gets 100..109', () => {
    const { report, lines, returned } = threadHello();
    expect(report.outcome.kind).toBe('completed');
    expect(returned).toEqual(range(100, 10));
    expect(report.processes[0]?.mainResult).toBe('done');

    const texts = lines.map((l) => l.text);
    // every thread said hello exactly once
    expect(texts.filter((t) => t.startsWith('Hello')).sort()).toEqual(range(0, 10).map((i) => `Hello from thread ${i}`).sort());
    // main's lines come in join order, and last
    expect(texts.filter((t) => !t.startsWith('Hello'))).toEqual([
      ...range(0, 10).map((i) => `Thread ${i} returned with ${100 + i}`),
      'Main thread done.',
    ]);
    // thread i's hello precedes main's report of thread i
    for (let i = 0; i < 10; i++) {
      expect(texts.indexOf(`Hello from thread ${i}`)).toBeLessThan(texts.indexOf(`Thread ${i} returned with ${100 + i}`));
    }
    // lines are printed in simulated-time order
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.time).toBeGreaterThanOrEqual(lines[i - 1]!.time);
    // the threads' results are in the report too
    const kids = report.processes[0]!.threads.filter((t) => t.name === 'go');
    expect(kids.map((t) => t.result)).toEqual(range(100, 10));
    expect(kids.every((t) => t.state === 'exited')).toBe(true);
  });

  it('gives the same results with one vCPU and with the LIFO+stealing policy', () => {
    for (const o of [{ vcpus: 1 }, { policy: 'lifo-steal' as const }]) {
      const { report, returned } = threadHello(o);
      expect(report.outcome.kind).toBe('completed');
      expect(returned).toEqual(range(100, 10));
    }
  });

  it('is deterministic: same seed, same trace hash and lines', () => {
    const a = threadHello({ seed: 3 });
    const b = threadHello({ seed: 3 });
    expect(a.report.traceHash).toBe(b.report.traceHash);
    expect(a.lines).toEqual(b.lines);
  });
});

describe('examples/bounded-buffer', () => {
  it('consumes exactly 1..20 in order and never holds more than 3', () => {
    const r = boundedBuffer();
    expect(r.report.outcome.kind).toBe('completed');
    expect(r.consumed).toEqual(range(1, 20));
    expect(r.maxOccupancy).toBeLessThanOrEqual(3);
    expect(r.maxOccupancy).toBeGreaterThan(0);
    expect(r.report.processes[0]?.mainResult).toBe(20);
  });

  it('fills the buffer when the producer is faster, and drains it when the consumer is', () => {
    const fast = boundedBuffer({ produceNs: 10, consumeNs: 2_000, vcpus: 2 });
    expect(fast.consumed).toEqual(range(1, 20));
    expect(fast.maxOccupancy).toBe(3);
    expect(fast.producerWaits).toBeGreaterThan(0);

    const slow = boundedBuffer({ produceNs: 2_000, consumeNs: 10, vcpus: 2 });
    expect(slow.consumed).toEqual(range(1, 20));
    expect(slow.maxOccupancy).toBeLessThanOrEqual(3);
    expect(slow.consumerWaits).toBeGreaterThan(0);
  });

  it('keeps FIFO and the bound on one vCPU, with capacity 1, and with LIFO+stealing', () => {
    for (const o of [{ vcpus: 1 }, { capacity: 1 }, { policy: 'lifo-steal' as const, vcpus: 4 }]) {
      const r = boundedBuffer({ items: 12, ...o });
      expect(r.report.outcome.kind).toBe('completed');
      expect(r.consumed).toEqual(range(1, 12));
      expect(r.maxOccupancy).toBeLessThanOrEqual(r.capacity);
    }
  });
});

describe('examples/readers-writers', () => {
  it('lets readers overlap and keeps writers exclusive', () => {
    const r = readersWriters();
    expect(r.report.outcome.kind).toBe('completed');
    expect(r.maxReaders).toBeGreaterThan(1);
    expect(r.maxWriters).toBe(1);
    expect(r.exclusionViolations).toBe(0);
    expect(r.tornReads).toBe(0);
    expect(r.reads).toBe(6 * 5);
    expect(r.writes).toBe(2 * 3);
    expect(r.finalVersion).toBe(6); // no lost update
  });

  it('detects the races when the lock is left out (the checks are not vacuous)', () => {
    const r = readersWriters({ unsynchronized: true });
    expect(r.report.outcome.kind).toBe('completed');
    expect(r.exclusionViolations).toBeGreaterThan(0);
    expect(r.tornReads).toBeGreaterThan(0);
  });

  it('holds on one vCPU and under LIFO+stealing with more writers', () => {
    for (const o of [{ vcpus: 1 }, { policy: 'lifo-steal' as const, writers: 4, readers: 4 }]) {
      const r = readersWriters({ readsEach: 3, writesEach: 2, ...o });
      expect(r.report.outcome.kind).toBe('completed');
      expect(r.exclusionViolations).toBe(0);
      expect(r.tornReads).toBe(0);
      expect(r.maxWriters).toBe(1);
      expect(r.finalVersion).toBe((o.writers ?? 2) * 2);
    }
  });
});

describe('examples/parallel-sum', () => {
  it('computes n(n+1)/2', () => {
    for (const n of [1, 15, 16, 17, 1000]) {
      const r = parallelSum({ n, chunks: 4, vcpus: 2 });
      expect(r.report.outcome.kind).toBe('completed');
      expect(r.sum).toBe((n * (n + 1)) / 2);
    }
  });

  it('finishes faster on more vCPUs, and the speedup comes from the end times', () => {
    const { runs, speedup } = parallelSumScaling([1, 2, 4], { n: 100_000 });
    for (const r of runs) expect(r.sum).toBe(5_000_050_000);
    const [one, two, four] = runs.map((r) => r.report.endTime) as [number, number, number];
    expect(four).toBeLessThan(two);
    expect(two).toBeLessThan(one);
    expect(speedup[1]).toBeCloseTo(one / two, 10);
    expect(speedup[2]).toBeCloseTo(one / four, 10);
    // 16 equal chunks on 4 vCPUs: close to, but not above, 4x
    expect(speedup[2]!).toBeGreaterThan(3);
    expect(speedup[2]!).toBeLessThanOrEqual(4);
    // every vCPU of the 4-vCPU run did real work
    for (const v of runs[2]!.report.processes[0]!.vcpus) expect(v.utilization).toBeGreaterThan(0.5);
  });
});

describe('examples/quickstart and the README', () => {
  const root = new URL('../../', import.meta.url);

  it('the README shows examples/quickstart.ts verbatim (without its header, with the package import path)', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    const code = readFileSync(new URL('examples/quickstart.ts', root), 'utf8').replaceAll("'../src/index'", "'upcall'").replace(/^\/\*\*[\s\S]*?\*\/\n/, '');
    expect(readme).toContain('```ts\n' + code + '```');
  });

  it('the README starts with the two commands under the title', () => {
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    expect(readme.startsWith('# upcall\n\n```\nnpm ci && npm run demo   # install and run the main demo\nnpm ci && npm test       # install and run the type check and the tests\n```\n')).toBe(true);
  });

  it('quickstart runs to completion and prints what the README says it prints', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => { out.push(a.join(' ')); });
    try {
      await import('../../examples/quickstart');
    } finally {
      spy.mockRestore();
    }
    expect(out[0]).toMatch(/^completed: counter = 100, end time \d+ ns$/);
    const readme = readFileSync(new URL('README.md', root), 'utf8');
    for (const line of out) expect(readme).toContain(line);
  });
});
