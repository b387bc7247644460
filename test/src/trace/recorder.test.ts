/**
 * Trace recording (MachineOptions.record, src/trace/recorder.ts): off by default; on, it
 * never changes the run (same trace hash under every mapping); every record names time,
 * CPU, process, vCPU, thread and symbolic pc; the runtime's notes (spawn, wake, user-level
 * block) are there; the ring keeps the newest and counts what it dropped; onRecord streams;
 * bad options are ConfigErrors.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, Machine, yieldNow } from '../../../src/index';
import type { Code, MachineOptions, Report, TraceRecord } from '../../../src/index';
import { MAPPINGS } from '../../mappings';
import { mutexWorkers } from './fixture';

function run(o: MachineOptions, p: (typeof MAPPINGS)[number][1]): Report {
  return new Machine({ cpus: 2, seed: 3, ...o }).process(p, mutexWorkers).run();
}

describe('trace recording', () => {
  it('is off by default', () => {
    expect(new Machine().process({}, function* main(): Code<void> { yield* yieldNow(); }).run().records).toBeNull();
  });

  for (const [title, p] of MAPPINGS) {
    it(`${title}: recording does not change the run, and records name where each event happened`, () => {
      const off = run({}, p);
      const on = run({ record: true }, p);
      expect(on.traceHash).toBe(off.traceHash);
      expect(on.endTime).toBe(off.endTime);
      const t = on.records!;
      expect(t.dropped).toBe(0);
      expect(t.cpus).toBe(2);
      expect(t.records.length).toBeGreaterThan(10);
      t.records.forEach((r, i) => expect(r.seq).toBe(i));
      const spawns = t.records.filter((r) => r.kind === 'spawn');
      expect(spawns.map((r) => r.a)).toEqual([1, 2, 3]); // main, then the two workers
      expect(spawns[1]?.b).toBe(1); // spawned by main
      expect(t.records.some((r) => r.kind === 'wake')).toBe(true);
      expect(t.records.filter((r) => r.kind === 'exit').length).toBe(3);
      const withThread = t.records.filter((r) => r.thread >= 0);
      expect(withThread.length).toBeGreaterThan(0);
      for (const r of withThread) {
        expect(r.proc).toBe(0);
        expect(r.threadLabel).toMatch(/^T\d+\(/);
      }
      const calls = t.records.filter((r) => r.kind === 'syscall');
      expect(calls.length).toBeGreaterThan(0);
      for (const r of calls) {
        expect(r.name).toMatch(/^[a-z_]+$/);
        expect(r.charged).toBeGreaterThan(0); // at least the trap and the dispatch
      }
    });
  }

  it('a user-level block names its reason; an upcall lists its notices; an interrupt its save area', () => {
    const t = run({ record: true, costs: { quantum: 1_500 } }, { vcpus: 2 }).records!;
    const blocks = t.records.filter((r) => r.kind === 'ublock');
    expect(blocks.length).toBeGreaterThan(0);
    expect(blocks.every((r) => /^(mutex m|join T\d+\(worker\))$/.test(r.name ?? ''))).toBe(true);
    const upcalls = t.records.filter((r) => r.kind === 'upcall-run');
    expect(upcalls.length).toBeGreaterThan(0);
    expect(upcalls.every((r) => Array.isArray(r.notices))).toBe(true);
    const irqs = t.records.filter((r) => r.kind.startsWith('irq-'));
    expect(irqs.length).toBeGreaterThan(0);
    for (const r of irqs) expect(r.save).toBe(r.kind === 'irq-enabled' ? 'enabled' : 'disabled');
  });

  it('the ring keeps the newest records and counts the dropped; onRecord streams every one', () => {
    const all = run({ record: true }, { vcpus: 2 }).records!;
    const seen: TraceRecord[] = [];
    const ring = run({ record: { limit: 10, onRecord: (r) => seen.push(r) } }, { vcpus: 2 }).records!;
    expect(ring.records.length).toBe(10);
    expect(ring.dropped).toBe(all.records.length - 10);
    expect(ring.records.map((r) => r.seq)).toEqual(all.records.slice(-10).map((r) => r.seq));
    expect(seen.length).toBe(all.records.length);
    expect(seen.map((r) => r.kind)).toEqual(all.records.map((r) => r.kind));
  });

  it('an onRecord that throws stops the stream, not the run, and the trace says where', () => {
    let n = 0;
    const r = run({ record: { onRecord: () => { if (++n === 5) throw new Error('disk full'); } } }, { vcpus: 2 });
    expect(r.outcome.kind).toBe('completed');
    expect(n).toBe(5);
    expect(r.records?.streamError).toMatch(/^onRecord threw at record 4 \(.*\): disk full; streaming stopped$/);
    expect(r.records?.records.length).toBeGreaterThan(5);
  });

  it('bad record options are ConfigErrors naming the option', () => {
    expect(() => new Machine({ record: { limit: 0 } })).toThrow(ConfigError);
    expect(() => new Machine({ record: { limit: 0 } })).toThrow(/Machine\.record\.limit/);
    expect(() => new Machine({ record: { size: 3 } as never })).toThrow(/Machine\.record: unknown option 'size'/);
    expect(() => new Machine({ record: { onRecord: 3 } as never })).toThrow(/onRecord: must be a function/);
    expect(() => new Machine({ record: 'yes' as never })).toThrow(/Machine\.record: true, false or/);
  });
});
