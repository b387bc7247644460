/**
 * Chrome Trace Event export (src/trace/chrome.ts) of a recorded run: a track per CPU and
 * per thread, instants, paired flows, well-formed and ordered events, byte-identical JSON
 * for the same run twice.
 */
import { describe, expect, it } from 'vitest';
import { Machine } from '../../../src/index';
import type { RunTrace } from '../../../src/index';
import { mutexWorkers } from './fixture';
import { toChromeTrace } from '../../../src/trace/chrome';

function recorded(): RunTrace {
  return new Machine({ cpus: 2, seed: 3, record: true, costs: { quantum: 1_500 } }).process({ vcpus: 2 }, mutexWorkers).run().records!;
}

describe('Chrome trace export', () => {
  it('names a track per CPU and per thread, and every event is well formed', () => {
    const c = toChromeTrace(recorded());
    const names = c.traceEvents.filter((e) => e.ph === 'M').map((e) => `${e.pid}.${e.tid}:${String(e.args?.['name'])}`);
    expect(names).toEqual(expect.arrayContaining(['1.0:CPUs', '1.0:cpu0', '1.1:cpu1', '2.0:process p0', '2.1:T1(main)', '2.2:T2(worker)', '2.3:T3(worker)']));
    for (const e of c.traceEvents) {
      expect(typeof e.name).toBe('string');
      expect(Number.isFinite(e.ts)).toBe(true);
      if (e.ph === 'X') expect(e.dur).toBeGreaterThanOrEqual(0);
    }
    const states = new Set(c.traceEvents.filter((e) => e.ph === 'X' && e.pid === 2).map((e) => e.name));
    expect([...states].sort()).toEqual(['blocked', 'ready', 'running']);
    expect(c.traceEvents.some((e) => e.ph === 'X' && e.pid === 1 && /T2\(worker\)/.test(e.name))).toBe(true);
    expect(c.traceEvents.some((e) => e.ph === 'i')).toBe(true);
  });

  it('flows pair one start with one finish, from a block to its wake and a wake to the run', () => {
    const c = toChromeTrace(recorded());
    const starts = c.traceEvents.filter((e) => e.ph === 's');
    const ends = c.traceEvents.filter((e) => e.ph === 'f');
    expect(starts.length).toBeGreaterThan(0);
    expect(starts.map((e) => e.id).sort()).toEqual(ends.map((e) => e.id).sort());
    expect(new Set(starts.map((e) => e.name))).toEqual(new Set(['block-wake', 'wake-run']));
    for (const s of starts) {
      const f = ends.find((e) => e.id === s.id)!;
      expect(f.ts).toBeGreaterThanOrEqual(s.ts);
    }
  });

  it('orders each track: metadata first, complete events by time without overlap, flows start before they finish', () => {
    const c = toChromeTrace(recorded());
    const firstData = c.traceEvents.findIndex((e) => e.ph !== 'M');
    expect(c.traceEvents.slice(firstData).every((e) => e.ph !== 'M')).toBe(true);
    const byTrack = new Map<string, { ts: number; dur: number }[]>();
    for (const e of c.traceEvents) {
      if (e.ph !== 'X') continue;
      const k = `${e.pid}.${e.tid}`;
      const list = byTrack.get(k) ?? [];
      list.push({ ts: e.ts, dur: e.dur ?? 0 });
      byTrack.set(k, list);
    }
    expect(byTrack.size).toBeGreaterThan(3);
    for (const [k, list] of byTrack) {
      for (let i = 1; i < list.length; i++) {
        const prev = list[i - 1]!;
        const cur = list[i]!;
        expect(cur.ts, k).toBeGreaterThanOrEqual(prev.ts);
        expect(cur.ts + 1e-9, k).toBeGreaterThanOrEqual(prev.ts + prev.dur);
      }
    }
  });

  it('is deterministic and JSON-serialisable', () => {
    expect(JSON.stringify(toChromeTrace(recorded()))).toBe(JSON.stringify(toChromeTrace(recorded())));
  });
});
