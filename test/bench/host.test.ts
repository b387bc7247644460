/**
 * The host-benchmark machinery at tiny sizes: every new scenario runs under every bench
 * configuration and counts its units right, the peers agree on their counts, the goal
 * ratios are taken within a round, and the memory child process answers. No timing is
 * asserted anywhere.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { caseName } from '../../bench/cases';
import { evaluateGoals } from '../../bench/goals';
import type { MemoryResult } from '../../bench/goals';
import { ratioOf } from '../../bench/measure';
import { asyncPingPong } from '../../bench/scenarios/async-pingpong';
import { CONFIGS, configById } from '../../bench/scenarios/configs';
import { effectFork, effectQueue, effectYield } from '../../bench/scenarios/effect';
import { channelPingPong, mutexHandoff } from '../../bench/scenarios/handoff';
import { rawChannelPingPong } from '../../bench/scenarios/raw-gen-channel';
import { rawStepLoop } from '../../bench/scenarios/raw-gen-step';
import { spawnJoin } from '../../bench/scenarios/spawn-join';
import { stepLoop } from '../../bench/scenarios/step-loop';
import { yieldPingPong } from '../../bench/scenarios/yield-pingpong';

describe('bench scenarios under every configuration', () => {
  for (const cfg of CONFIGS) {
    it(`${cfg.id}: yield, spawn-join, mutex, channel and step loops complete with their unit counts`, () => {
      expect(yieldPingPong(50, cfg).units).toBeGreaterThanOrEqual(100);
      expect(spawnJoin(50, cfg).report.processes[0]?.threads).toHaveLength(51);
      const m = mutexHandoff(40, cfg);
      expect(m.units).toBe(80);
      // one switch per hand-off (plus main's): the scenario measures what it says
      expect(m.report.counts.threadSwitches).toBeGreaterThanOrEqual(80);
      expect(m.report.counts.threadSwitches).toBeLessThanOrEqual(90);
      const c = channelPingPong(40, cfg);
      expect(c.report.processes[0]?.mainResult).toBe((40 * 39) / 2);
      for (const d of [0, 4]) {
        const s = stepLoop(100, d, cfg);
        expect(s.report.counts.instructions).toBeGreaterThanOrEqual(100);
      }
    });
  }

  it('configurations are distinct and named', () => {
    expect(new Set(CONFIGS.map((c) => c.id)).size).toBe(CONFIGS.length);
    expect(() => configById('nope')).toThrow(/unknown configuration 'nope'/);
    expect(yieldPingPong(50, configById('11')).report.traceHash).not.toBe(yieldPingPong(50, configById('sa')).report.traceHash);
  });
});

describe('floors and peers', () => {
  it('the bare generator channel moves 2K messages and the step floor K steps at any depth', () => {
    expect(rawChannelPingPong(25)).toBe(50);
    expect(rawStepLoop(30, 0)).toBe(30);
    expect(rawStepLoop(30, 4)).toBe(30);
  });

  it('async/await ping-pong and the Effect programs do what their units say', async () => {
    expect(await asyncPingPong(20)).toBe(40);
    expect(await effectYield(20)).toBe(40);
    expect(await effectFork(20)).toBe(20);
    expect(await effectQueue(20)).toBe(40);
  });
});

describe('goal evaluation', () => {
  it('takes each ratio within a round, then the median over rounds', () => {
    // round 2 is twice as slow for both: the per-round ratio stays 3
    const m = new Map([['a', [30, 60, 33]], ['b', [10, 20, 11]]]);
    expect(ratioOf(m, 'a', 'b')).toBe(3);
  });

  it('marks each goal met or not from the figures', () => {
    const r = (x: number): number[] => [x, x, x];
    const m = new Map<string, number[]>([
      ['raw-gen-rr2', r(10)], ['effect-yield', r(900)], ['raw-gen-create', r(40)], ['effect-fork', r(700)],
      ['raw-gen-step-d0', r(60)], ['raw-gen-step-d4', r(100)], ['effect-queue', r(2000)], ['raw-gen-channel', r(17)],
    ]);
    for (const cfg of CONFIGS) {
      m.set(caseName('yield-pingpong', cfg.id), r(70)); // 7x the floor: met; 12.9x faster than Effect: met
      m.set(caseName('spawn-join', cfg.id), r(400)); // 10x the floor: not met
      m.set(caseName('mutex-handoff', cfg.id), r(140)); // exactly 2x: met
      m.set(caseName('channel-pingpong', cfg.id), r(141)); // just over: not met
      m.set(caseName('step-loop-d0', cfg.id), r(60));
      m.set(caseName('step-loop-d4', cfg.id), r(200));
    }
    const mem: MemoryResult = {
      bytes: CONFIGS.map((c) => ({ config: c.id, n: 100, bytesPerThread: 300 })),
      bareBytesPerGenerator: 120,
      scale: [{ config: 'sa', n: 10, ms: 1, nsPerThread: 100, peakHeapMiB: 1 }, { config: 'sa', n: 100, ms: 20, nsPerThread: 200, peakHeapMiB: 2000 }],
      spawnJoin: [{ config: 'sa', n: 10, ms: 1, usPerThread: 1 }, { config: 'sa', n: 100, ms: 10, usPerThread: 1 }],
    };
    const goals = evaluateGoals(m, mem, 6000).filter((g) => g.config === 'sa');
    const met = (metric: string, goal: string): boolean | undefined => goals.find((g) => g.metric.includes(metric) && g.goal.includes(goal))?.met;
    expect(met('yield switch', 'round-robin')).toBe(true);
    expect(met('yield switch', 'Effect')).toBe(true);
    expect(met('spawn', 'create floor')).toBe(false);
    expect(met('Mutex', '2×')).toBe(true);
    expect(met('Channel', '2×')).toBe(false);
    expect(met('depth 0', '1.5×')).toBe(true);
    expect(met('depth 4', '1.5×')).toBe(false);
    expect(met('bytes', '2.5×')).toBe(true);
    expect(met('blocked on one Semaphore', '1 GB')).toBe(false);
    expect(met('time per thread', 'linear')).toBe(false);
    expect(met('spawn + join per thread', 'linear')).toBe(true);
    expect(met('exploration', '5,000')).toBe(true);
  });
});

describe('memory child (bench/memory.ts)', () => {
  it('answers each part with one JSON line', () => {
    const run = (...args: string[]): Record<string, unknown> =>
      JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory.ts', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()) as Record<string, unknown>;
    expect(run('bare', '2000').bareBytesPerGenerator).toBeGreaterThan(0);
    const b = run('bytes', 'sa', '2000');
    expect(b.config).toBe('sa');
    expect(b.bytesPerThread).toBeGreaterThan(0);
    const s = run('scale', 'n1', '2000');
    expect(s.n).toBe(2000);
    expect(() => run('nope', '1')).toThrow();
  }, 60_000);
});
