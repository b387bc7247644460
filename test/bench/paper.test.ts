/**
 * The paper reproduction (bench/paper): Table IV within 10% with the mechanism behind
 * each cell, and the shapes of Figure 1, Figure 2 and the multiprogramming test on a
 * small N-body (fewer bodies and steps than `npm run paper`). The tests state the
 * properties the paper describes, never a number copied from a run. The last test
 * checks that bench/RESULTS.md holds exactly what `npm run paper` prints.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { figure1, figure2, FULL, multiprogramming, SMALL } from '../../bench/paper/experiments';
import { paperText, RESULTS_BEGIN, RESULTS_END, runPaper } from '../../bench/paper/run';
import { COLUMN_NAMES, PAPER, table4 } from '../../bench/paper/table4';
import { Machine } from '../../src/index';
import { nbody } from '../../bench/paper/nbody';
import { SYSTEMS } from '../../bench/paper/experiments';

describe('Table IV on the firefly preset', () => {
  const t = table4('firefly', 20);

  it('every cell lies within 10% of the paper', () => {
    for (const op of ['nullFork', 'signalWait'] as const) {
      for (const c of COLUMN_NAMES) {
        const ratio = t[op][c].us / PAPER[op][c];
        expect(ratio, `${op} ${c}: ${t[op][c].us} us vs ${PAPER[op][c]}`).toBeGreaterThan(0.9);
        expect(ratio, `${op} ${c}: ${t[op][c].us} us vs ${PAPER[op][c]}`).toBeLessThan(1.1);
      }
    }
  });

  it('the columns keep the paper\'s order: activations a little over FastThreads, kernel threads far over, processes farther', () => {
    for (const op of ['nullFork', 'signalWait'] as const) {
      const r = t[op];
      expect(r.ftActivations.us).toBeGreaterThan(r.ftThreads.us);
      expect(r.ftActivations.us).toBeLessThan(1.2 * r.ftThreads.us);
      expect(r.topazThreads.us).toBeGreaterThan(10 * r.ftThreads.us);
      expect(r.ultrixProcesses.us).toBeGreaterThan(4 * r.topazThreads.us);
    }
  });

  it('the cells come from the paths the paper names', () => {
    for (const op of ['nullFork', 'signalWait'] as const) {
      // user-level thread systems never enter the kernel on these operations
      expect(t[op].ftThreads.crossings).toBe(0);
      expect(t[op].ftActivations.crossings).toBe(0);
      // activations pay only their own instructions over FastThreads on kernel threads
      expect(t[op].ftActivations.instructions).toBeGreaterThan(t[op].ftThreads.instructions);
      expect(t[op].ftActivations.shares.map((s) => s.name).sort()).toEqual(t[op].ftThreads.shares.map((s) => s.name).sort());
      // a kernel-thread operation is two kernel calls and a kernel switch
      expect(t[op].topazThreads.crossings).toBeCloseTo(2, 1);
      expect(t[op].topazThreads.kernelSwitches).toBeCloseTo(1, 1);
      expect(t[op].topazThreads.addressSpaceSwitches).toBe(0);
      // processes add an address-space switch to each kernel switch
      expect(t[op].ultrixProcesses.addressSpaceSwitches).toBeCloseTo(t[op].ultrixProcesses.kernelSwitches, 1);
    }
    expect(t.nullFork.topazThreads.shares[0]?.name).toBe('kernelThreadCreate');
    expect(t.nullFork.ultrixProcesses.shares[0]?.name).toBe('processCreate');
  });

  it('the upcall path blocks and unblocks in the kernel, with an upcall per signal-wait', () => {
    const u = t.upcallPath;
    expect(u.upcalls).toBeGreaterThanOrEqual(0.9);
    expect(u.crossings).toBeGreaterThanOrEqual(2);
    expect(u.shares.map((s) => s.name)).toEqual(expect.arrayContaining(['upcall', 'upcallNotice', 'kernelBlock', 'kernelWakeup']));
    expect(u.us).toBeGreaterThan(t.signalWait.ftActivations.us);
  });
});

describe('Figure 1: speedup on 1..6 processors (small N-body)', () => {
  const f = figure1(SMALL);
  it('every system computes the same trajectories', () => {
    expect(f.checksums.length).toBe(1);
  });
  it('both FastThreads lie above Topaz threads at every count', () => {
    f.cpus.forEach((_, i) => {
      expect(f.speedup.ftActivations[i]).toBeGreaterThan(f.speedup.topazThreads[i] as number);
      expect(f.speedup.ftThreads[i]).toBeGreaterThan(f.speedup.topazThreads[i] as number);
    });
  });
  it('FastThreads on activations is close to linear', () => {
    f.cpus.forEach((p, i) => expect(f.speedup.ftActivations[i]).toBeGreaterThan(0.85 * p));
  });
  it('daemons take processors from the application only at the top count (the mechanism of the fall-off)', () => {
    const byDaemons = (p: number): number => {
      const m = new Machine({ cpus: 6, preset: 'firefly', seed: 1 });
      m.process({ ...SYSTEMS.ftThreads, vcpus: p }, nbody({ bodies: SMALL.bodies, steps: SMALL.steps }, { result: null }));
      let n = 0;
      m.internals().kernel.observer = { afterStep(): void {}, resumed(): void {}, upcall(): void {}, landed(_c, _k, cause): void { if (cause === 'resched') n++; } };
      expect(m.run().outcome.kind).toBe('completed');
      return n;
    };
    expect(byDaemons(5)).toBe(0);
    expect(byDaemons(6)).toBeGreaterThan(0);
  });
});

describe('Figure 2: memory pressure on 6 processors (small N-body)', () => {
  const f = figure2(SMALL, [100, 70, 40]);
  it('with all memory nothing misses; with less, misses block in the kernel', () => {
    expect(f.misses.ftActivations[0]).toBe(0);
    expect(f.misses.ftActivations[2]).toBeGreaterThan(f.misses.ftActivations[1] as number);
  });
  it('FastThreads on Topaz threads degrades worst, activations best, Topaz threads in between', () => {
    const slow = (s: keyof typeof f.time, i: number): number => (f.time[s][i] as number) / (f.time[s][0] as number);
    for (const i of [1, 2]) {
      expect(slow('ftThreads', i)).toBeGreaterThan(slow('ftActivations', i));
      expect(slow('ftThreads', i)).toBeGreaterThan(slow('topazThreads', i));
      expect(f.time.ftActivations[i]).toBeLessThan(f.time.topazThreads[i] as number);
      expect(f.time.topazThreads[i]).toBeLessThan(f.time.ftThreads[i] as number);
    }
  });
});

describe('multiprogramming: two copies on 6 processors (small N-body)', () => {
  const mp = multiprogramming(SMALL);
  it('activations come closest to the ideal 3.0', () => {
    expect(mp.speedup.ftActivations).toBeGreaterThan(mp.speedup.ftThreads);
    expect(mp.speedup.ftActivations).toBeGreaterThan(mp.speedup.topazThreads);
    expect(mp.speedup.ftActivations).toBeLessThanOrEqual(3);
  });
});

describe('npm run paper', () => {
  it('--json prints one object of the documented shape', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/paper/run.ts', '--small', '--json'], { encoding: 'utf8' });
    const j = JSON.parse(out) as Record<string, Record<string, unknown>>;
    expect(Object.keys(j)).toEqual(['preset', 'table4', 'fig1', 'fig2', 'multiprogramming', 'upcallPath']);
    expect(j.preset).toBe('firefly');
    for (const op of ['nullFork', 'signalWait']) expect(Object.keys(j.table4?.[op] as object)).toEqual(['ftThreads', 'ftActivations', 'topazThreads', 'ultrixProcesses']);
    expect(j.fig1?.cpus).toEqual([1, 2, 3, 4, 5, 6]);
    expect(j.fig2?.memoryPercent).toEqual([100, 90, 80, 70, 60, 50, 40]);
    for (const s of ['ftActivations', 'ftThreads', 'topazThreads']) {
      expect((j.fig1?.[s] as number[]).length).toBe(6);
      expect((j.fig2?.[s] as number[]).length).toBe(7);
      expect(typeof j.multiprogramming?.[s]).toBe('number');
    }
  }, 60_000);

  it('bench/RESULTS.md holds exactly the tables it prints', () => {
    const md = readFileSync(new URL('../../bench/RESULTS.md', import.meta.url), 'utf8');
    const a = md.indexOf(RESULTS_BEGIN);
    const b = md.indexOf(RESULTS_END);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(md.slice(a + RESULTS_BEGIN.length, b).trim()).toBe(paperText(runPaper(FULL)).trim());
  }, 120_000);
});
