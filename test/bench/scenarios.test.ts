/**
 * The benchmark scenarios run to completion at tiny sizes and count their units right.
 * No timing is measured or asserted here.
 */
import { describe, expect, it } from 'vitest';
import { constructMachine } from '../../bench/scenarios/machine-construct';
import { rawCreateRunCollect } from '../../bench/scenarios/raw-gen-create';
import { rawRoundRobin2 } from '../../bench/scenarios/raw-gen-rr2';
import { spawnJoin } from '../../bench/scenarios/spawn-join';
import { yieldPingPong } from '../../bench/scenarios/yield-pingpong';

describe('bench scenarios (tiny sizes)', () => {
  it('spawn-join: N threads spawned, run and joined', () => {
    const { units, report } = spawnJoin(100);
    expect(units).toBe(100);
    expect(report.ok).toBe(true);
    const p = report.processes[0];
    expect(p).toBeDefined();
    expect(p?.threads).toHaveLength(101);
    expect(p?.threads.every((t) => t.state === 'exited')).toBe(true);
    expect(report.counts.instructions).toBeGreaterThan(0);
    expect(report.endTime).toBeGreaterThan(0);
  });

  it('spawn-join is deterministic (same trace hash twice)', () => {
    expect(spawnJoin(100).report.traceHash).toBe(spawnJoin(100).report.traceHash);
  });

  it('yield-pingpong: 2K switches between the two threads, plus main', () => {
    const k = 100;
    const { units, report } = yieldPingPong(k);
    expect(report.ok).toBe(true);
    const p = report.processes[0];
    expect(units).toBe(p?.threadSwitches);
    expect(units).toBe(report.counts.threadSwitches);
    expect(units).toBeGreaterThanOrEqual(2 * k);
    expect(units).toBeLessThanOrEqual(2 * k + 8);
    const workers = p?.threads.slice(1) ?? [];
    expect(workers).toHaveLength(2);
    for (const t of workers) {
      expect(t.state).toBe('exited');
      expect(t.switches).toBeGreaterThanOrEqual(k);
    }
  });

  it('raw-gen-rr2 counts 2K switches', () => {
    expect(rawRoundRobin2(100)).toBe(200);
  });

  it('raw-gen-create creates, runs and collects N generators', () => {
    expect(rawCreateRunCollect(100)).toBe(100);
  });

  it('machine-construct builds a machine that can still run', () => {
    const r = constructMachine().run();
    expect(r.ok).toBe(true);
  });
});
