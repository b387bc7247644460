/**
 * The application experiments of Anderson et al. on the simulated 6-processor Firefly
 * (preset 'firefly', its daemons included), with the N-body program of nbody.ts under
 * the three thread systems. Nothing here is tuned: the preset is the one Table IV uses,
 * and these figures are the model's predictions.
 *
 *  - Figure 1: speedup on 1..6 processors, all memory available. Speedup is the time of
 *    the sequential program (main runs every chunk itself, under N:1) over the time of
 *    the threaded one using P processors (P vCPUs, P kernel threads, or P CPUs of
 *    affinity for Topaz threads) on the 6-processor machine.
 *  - Figure 2: time on 6 processors with the application's buffer cache holding
 *    100%..40% of its pages; a miss blocks in the kernel for 50 ms (the paper's figure
 *    for its simulated I/O), without queuing behind other misses.
 *  - Multiprogramming: two copies on the 6 processors at once, each wanting all 6;
 *    each copy's speedup against the sequential time, averaged (ideal 3.0).
 */
import { Machine } from '../../src/index';
import type { ProcessOptions } from '../../src/index';
import { nbody } from './nbody';
import type { NBodyOptions, NBodyResult } from './nbody';

export const SYSTEMS = {
  ftActivations: { mapping: 'M:N', activations: true, policy: 'lifo-steal', criticalSections: 'recover' },
  ftThreads: { mapping: 'M:N', activations: false, policy: 'lifo-steal' },
  topazThreads: { mapping: '1:1' },
} as const satisfies Record<string, ProcessOptions>;
export type System = keyof typeof SYSTEMS;
export const SYSTEM_NAMES: readonly System[] = ['ftActivations', 'ftThreads', 'topazThreads'];
export const SYSTEM_TITLES: Readonly<Record<System, string>> = {
  ftActivations: 'FastThreads on scheduler activations',
  ftThreads: 'FastThreads on Topaz threads',
  topazThreads: 'Topaz threads',
};

/** The size of the N-body run (one thread per body per step: the fine grain threads are for). */
export interface Scale {
  readonly bodies: number;
  readonly steps: number;
}

/** The paper-size run (npm run paper) and a small one for the tests. */
export const FULL: Scale = { bodies: 1_000, steps: 4 };
export const SMALL: Scale = { bodies: 400, steps: 2 };

/** The paper's miss latency for its simulated I/O [recalled as 50 ms: activations.md, N12]. */
export const MISS_NS = 50_000_000;
export const CPUS = 6;

export interface Run {
  readonly result: NBodyResult;
  /** Simulated ns from the machine's start to the end of the process. */
  readonly elapsed: number;
}

function runCopies(copies: readonly { readonly o: ProcessOptions; readonly n: NBodyOptions }[]): Run[] {
  const m = new Machine({ cpus: CPUS, preset: 'firefly', seed: 1, maxSteps: 500_000_000 });
  // Activations: every thread blocked in the kernel holds one; size the pool for all of them.
  const pool = (o: ProcessOptions, n: NBodyOptions): ProcessOptions => (o.mapping === 'M:N' && o.activations === true ? { ...o, maxActivations: n.bodies + 16 } : o);
  const outs = copies.map(() => ({ result: null as NBodyResult | null }));
  copies.forEach((c, i) => m.process({ ...pool(c.o, c.n), name: `nbody${i}` }, nbody(c.n, outs[i] as { result: NBodyResult | null })));
  const r = m.run();
  if (r.outcome.kind !== 'completed') throw new Error(`N-body under ${JSON.stringify(copies.map((c) => c.o))}: ${r.outcome.kind}`);
  return outs.map((o, i) => {
    const end = r.processes[i]?.end;
    if (o.result === null || end === undefined || end.kind !== 'exited') throw new Error('N-body produced no result');
    return { result: o.result, elapsed: end.time };
  });
}

function options(s: Scale, extra: Partial<NBodyOptions> = {}): NBodyOptions {
  return { bodies: s.bodies, steps: s.steps, ...extra };
}

/** The sequential program's time (the speedup baseline). */
export function sequential(s: Scale): Run {
  return runCopies([{ o: { mapping: 'N:1' }, n: options(s, { parallel: false }) }])[0] as Run;
}

export interface Figure1 {
  readonly cpus: readonly number[];
  readonly speedup: Readonly<Record<System, readonly number[]>>;
  readonly checksums: readonly number[];
}

export function figure1(s: Scale, cpus: readonly number[] = [1, 2, 3, 4, 5, 6]): Figure1 {
  const seq = sequential(s);
  const speedup = {} as Record<System, number[]>;
  const checksums = new Set<number>([seq.result.checksum]);
  for (const sys of SYSTEM_NAMES) {
    speedup[sys] = cpus.map((p) => {
      const r = runCopies([{ o: { ...SYSTEMS[sys], vcpus: p }, n: options(s) }])[0] as Run;
      checksums.add(r.result.checksum);
      return seq.elapsed / r.elapsed;
    });
  }
  return { cpus, speedup, checksums: [...checksums] };
}

export interface Figure2 {
  readonly memoryPercent: readonly number[];
  /** Simulated us per run. */
  readonly time: Readonly<Record<System, readonly number[]>>;
  readonly misses: Readonly<Record<System, readonly number[]>>;
}

export function figure2(s: Scale, memoryPercent: readonly number[] = [100, 90, 80, 70, 60, 50, 40]): Figure2 {
  const time = {} as Record<System, number[]>;
  const misses = {} as Record<System, number[]>;
  for (const sys of SYSTEM_NAMES) {
    const runs = memoryPercent.map((pct) => runCopies([{ o: { ...SYSTEMS[sys], vcpus: CPUS }, n: options(s, { memory: { fraction: pct / 100, missNs: MISS_NS } }) }])[0] as Run);
    time[sys] = runs.map((r) => r.elapsed / 1000);
    misses[sys] = runs.map((r) => r.result.misses);
  }
  return { memoryPercent, time, misses };
}

export interface Multiprogramming {
  /** Each system's speedup per copy, averaged over the two copies (ideal 3.0). */
  readonly speedup: Readonly<Record<System, number>>;
  readonly perCopy: Readonly<Record<System, readonly number[]>>;
}

export function multiprogramming(s: Scale): Multiprogramming {
  const seq = sequential(s);
  const speedup = {} as Record<System, number>;
  const perCopy = {} as Record<System, number[]>;
  for (const sys of SYSTEM_NAMES) {
    const o = { ...SYSTEMS[sys], vcpus: CPUS };
    const runs = runCopies([{ o, n: options(s) }, { o, n: options(s) }]);
    perCopy[sys] = runs.map((r) => seq.elapsed / r.elapsed);
    speedup[sys] = (perCopy[sys] as number[]).reduce((a, b) => a + b, 0) / runs.length;
  }
  return { speedup, perCopy };
}
