/**
 * Kernel-managed residency (kernel-sim/memory.ts): a resident-set limit with LRU
 * replacement, unit by unit and against a reference model (fast-check); then through a
 * Machine with `memory: { residentPages }`, where a miss is a page-in from the disk that
 * blocks only the faulting thread: a looping pattern that fits takes only compulsory
 * faults, one page too many thrashes, and the report carries the figures.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Residency } from '../../kernel-sim/memory';
import { ConfigError, Machine, touch } from '../../src/index';
import type { Code, Report } from '../../src/index';

describe('Residency: LRU unit', () => {
  it('a touch of a resident page is a hit; of any other page a miss (the kernel counts the fault)', () => {
    const r = new Residency(2);
    expect(r.touch(1)).toBe(false);
    expect(r.hits).toBe(0);
    expect(r.install(1)).toBe(-1);
    expect(r.touch(1)).toBe(true);
    expect(r.touch(1)).toBe(true);
    expect(r.touch(2)).toBe(false);
    expect(r.hits).toBe(2);
    expect(r.faults).toBe(0); // Residency itself never counts faults: Kernel.pageFault does
    expect(r.size).toBe(1);
  });

  it('evicts the least recently installed page when nothing was touched since', () => {
    const r = new Residency(3);
    for (const p of [10, 11, 12]) expect(r.install(p)).toBe(-1);
    expect(r.evictions).toBe(0);
    expect(r.install(13)).toBe(10);
    expect(r.install(14)).toBe(11);
    expect(r.evictions).toBe(2);
    expect(r.size).toBe(3);
    expect([10, 11, 12, 13, 14].map((p) => r.touch(p))).toEqual([false, false, true, true, true]);
  });

  it('a touch refreshes a page: the least recently USED one goes, not the oldest installed', () => {
    const r = new Residency(3);
    for (const p of [1, 2, 3]) r.install(p);
    expect(r.touch(1)).toBe(true); // order now 2, 3, 1
    expect(r.install(4)).toBe(2);
    expect(r.touch(3)).toBe(true); // order now 1, 4, 3
    expect(r.install(5)).toBe(1);
    expect(r.install(6)).toBe(4);
    expect([3, 5, 6].every((p) => r.touch(p))).toBe(true);
    expect(r.touch(1) || r.touch(2) || r.touch(4)).toBe(false);
  });

  it('installing a page that is already resident evicts nothing and changes nothing', () => {
    const r = new Residency(2);
    r.install(1);
    r.install(2);
    expect(r.install(1)).toBe(-1);
    expect(r.evictions).toBe(0);
    expect(r.size).toBe(2);
    // 1 was not refreshed by the duplicate install: it is still the LRU page
    expect(r.install(3)).toBe(1);
  });

  it('a limit of one page keeps exactly the last page', () => {
    const r = new Residency(1);
    expect(r.install(7)).toBe(-1);
    expect(r.install(8)).toBe(7);
    expect(r.install(9)).toBe(8);
    expect(r.size).toBe(1);
    expect(r.touch(9)).toBe(true);
    expect(r.evictions).toBe(2);
  });

  /** Reference LRU: an array, most recently used last. */
  test.prop([fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 200 })], { numRuns: 200 })(
    'matches a reference LRU model; size never exceeds the limit; counters add up',
    (limit, accesses) => {
      const r = new Residency(limit);
      const model: number[] = [];
      let hits = 0;
      let misses = 0;
      let evictions = 0;
      for (const p of accesses) {
        const i = model.indexOf(p);
        const hit = r.touch(p);
        expect(hit).toBe(i >= 0);
        if (i >= 0) {
          hits++;
          model.splice(i, 1);
          model.push(p);
        } else {
          misses++;
          const expected = model.length >= limit ? (model.shift() as number) : -1;
          if (expected >= 0) evictions++;
          expect(r.install(p)).toBe(expected);
          model.push(p);
        }
        expect(r.size).toBe(model.length);
        expect(r.size).toBeLessThanOrEqual(limit);
      }
      expect(r.hits).toBe(hits);
      expect(r.evictions).toBe(evictions);
      expect(evictions).toBe(Math.max(0, misses - limit));
    },
  );
});

function loopRun(pages: number, residentPages: number, rounds: number, seed: number): Report {
  function* main(): Code<number> {
    let n = 0;
    for (let round = 0; round < rounds; round++) {
      for (let p = 0; p < pages; p++) {
        yield* touch(p);
        n++;
      }
    }
    return n;
  }
  const m = new Machine({ cpus: 1, seed });
  m.process({ memory: { residentPages } }, main);
  return m.run();
}

describe('kernel paging through a Machine (seed 4)', () => {
  it('a looping access pattern that fits takes only the compulsory faults', () => {
    const r = loopRun(4, 4, 5, 4);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe(20);
    // every user touch ends in exactly one hit (a faulting touch is retried after its page-in)
    expect(r.processes[0]?.memory).toEqual({ residentPages: 4, hits: 20, faults: 4, evictions: 0 });
    expect(r.counts.faults).toBe(4);
    expect(r.counts.diskRequests).toBe(4); // one page-in per fault
    // a page-in costs a disk read (100 us + 4 us for 4 KiB in the modern preset)
    expect(r.endTime).toBeGreaterThanOrEqual(4 * 104_000);
    expect(r.endTime).toBeLessThan(4 * 104_000 + 20_000);
  });

  it('one page more than fits thrashes under LRU: every touch faults', () => {
    const r = loopRun(5, 4, 5, 4);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe(25);
    expect(r.processes[0]?.memory).toEqual({ residentPages: 4, hits: 25, faults: 25, evictions: 21 });
    expect(r.counts.faults).toBe(25);
    expect(r.counts.diskRequests).toBe(25);
    expect(r.endTime).toBeGreaterThanOrEqual(25 * 104_000);
  });

  it('the kernel keeps recency: a page touched again survives the next eviction', () => {
    // limit 2: 0 F, 1 F, 0 H, 2 F (evicts 1, the LRU one), 0 H, 1 F (evicts 2)
    function* main(): Code<void> {
      for (const p of [0, 1, 0, 2, 0, 1]) yield* touch(p);
    }
    const m = new Machine({ cpus: 1, seed: 4 });
    m.process({ memory: { residentPages: 2 } }, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    // FIFO replacement would have evicted page 0 at the touch of 2 (5 faults)
    expect(r.processes[0]?.memory).toEqual({ residentPages: 2, hits: 6, faults: 4, evictions: 2 });
  });

  it('without a memory option the report has no memory figures and faults go to the user-level pager', () => {
    function* main(): Code<void> {
      for (const p of [0, 1, 0, 2]) yield* touch(p);
    }
    const m = new Machine({ cpus: 1, seed: 4 });
    m.process({}, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.memory).toBeNull();
    expect(r.counts.faults).toBe(3);
    expect(r.counts.diskRequests).toBe(0);
  });

  it('rejects a resident set of 0, negative, fractional or missing pages with ConfigError', () => {
    const m = new Machine({ cpus: 1 });
    const main = function* (): Code<void> { /* empty */ };
    for (const bad of [0, -1, -4096, 1.5]) {
      expect(() => m.process({ memory: { residentPages: bad } }, main)).toThrow(ConfigError);
      expect(() => m.process({ memory: { residentPages: bad } }, main)).toThrow(/memory\.residentPages/);
    }
    expect(() => m.process({ memory: {} as never }, main)).toThrow(ConfigError);
    expect(() => m.process({ memory: null as never }, main)).toThrow(/memory: must be \{ residentPages \}/);
    expect(() => m.process({ memory: { residentPages: 1 } }, main)).not.toThrow();
  });
});

describe('page faults are served by the disk under every mapping (seed 4)', () => {
  it('1:1, N:1, plain M:N and activations take the same compulsory faults and wait for the disk', () => {
    function* main(): Code<number> {
      let n = 0;
      for (let round = 0; round < 3; round++) for (let p = 0; p < 6; p++) { yield* touch(p); n++; }
      return n;
    }
    for (const po of [{ mapping: '1:1' as const }, { mapping: 'N:1' as const }, { activations: false }, {}]) {
      const m = new Machine({ cpus: 1, seed: 4 });
      m.process({ ...po, memory: { residentPages: 8 } }, main);
      const r = m.run();
      expect(r.outcome.kind, JSON.stringify(po)).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(18);
      expect(r.processes[0]?.memory?.faults, JSON.stringify(po)).toBe(6);
      expect(r.processes[0]?.memory?.hits).toBe(12 + 6); // the retried touch after each page-in hits too
      expect(r.counts.diskRequests).toBe(6);
      expect(r.endTime).toBeGreaterThan(6 * 100_000); // six page-ins of ~104 us, one after the other
    }
  });
});

