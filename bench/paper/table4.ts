/**
 * Table IV of Anderson et al. (TOCS 1992): thread operation latencies on one processor,
 * under the four thread systems, and the upcall path (Signal-Wait forced through the
 * kernel). Each cell is measured by running the microbenchmark in the simulator: the
 * latency is the simulated time per operation, and the breakdown is the difference of
 * the run's counters between a run of 2n and a run of n operations, divided by n, so
 * start-up and wind-down cancel out exactly.
 *
 *  - Null Fork: create, schedule, run and finish a thread that calls a null procedure;
 *    the parent forks n of them (nobody waits for them: the last to finish stops the clock).
 *  - Signal-Wait: one thread signals a waiting thread, then waits itself: two threads
 *    ping-pong under one Mutex with a condition each (Topaz's monitor: signal, then a
 *    wait that releases the mutex, blocks, and takes it again), 2n signal-waits in all.
 *  - The upcall path: the same ping-pong on semaphores kept in the kernel, under
 *    scheduler activations: every wait blocks in the kernel (a `blocked` upcall) and
 *    every post comes back as an `unblocked` one.
 */
import { Cond, join, KernelSemaphore, Machine, Mutex, now, Semaphore, spawn } from '../../src/index';
import type { Code, ProcessOptions, Report } from '../../src/index';

/** The four columns of Table IV, as process options (one vCPU: "run on a single processor"). */
export const COLUMNS = {
  ftThreads: { mapping: 'M:N', activations: false, vcpus: 1, policy: 'lifo-steal' },
  ftActivations: { mapping: 'M:N', activations: true, vcpus: 1, policy: 'lifo-steal', criticalSections: 'recover' },
  topazThreads: { mapping: '1:1', vcpus: 1 },
  ultrixProcesses: { mapping: '1:1', vcpus: 1, heavyweight: true },
} as const satisfies Record<string, ProcessOptions>;
export type Column = keyof typeof COLUMNS;
export const COLUMN_NAMES: readonly Column[] = ['ftThreads', 'ftActivations', 'topazThreads', 'ultrixProcesses'];
export const COLUMN_TITLES: Readonly<Record<Column, string>> = {
  ftThreads: 'FastThreads on Topaz threads',
  ftActivations: 'FastThreads on scheduler activations',
  topazThreads: 'Topaz threads',
  ultrixProcesses: 'Ultrix processes',
};

/** The paper's values, us (shared/reference/activations.md, Table IV). */
export const PAPER = {
  nullFork: { ftThreads: 34, ftActivations: 37, topazThreads: 948, ultrixProcesses: 11300 },
  signalWait: { ftThreads: 37, ftActivations: 42, topazThreads: 441, ultrixProcesses: 1840 },
  upcallPath: 2400,
} as const;

export type Benchmark = 'nullFork' | 'signalWait' | 'monitorSignalWait' | 'upcallPath';

/** One cell: the latency and what one operation did. */
export interface Cell {
  /** Simulated us per operation. */
  readonly us: number;
  readonly instructions: number;
  /** Kernel entries: syscalls, interrupts taken, exceptions. */
  readonly crossings: number;
  readonly upcalls: number;
  readonly threadSwitches: number;
  readonly kernelSwitches: number;
  readonly addressSpaceSwitches: number;
  /** Share of the operation's time per primitive (largest first), and the ns per operation. */
  readonly shares: readonly { readonly name: string; readonly ns: number; readonly share: number }[];
}

/**
 * n null forks: main forks n threads and ends; each thread runs the null procedure and
 * exits. The time runs from the first fork to the exit of the last thread, so nothing
 * but forks, dispatches, null procedures and exits lies inside it.
 */
function nullFork(n: number, out: { elapsed: number }): () => Code<void> {
  return function* main(): Code<void> {
    let done = 0;
    const t0 = yield* now();
    for (let i = 0; i < n; i++) {
      yield* spawn(function* nothing(): Code<void> {
        if (++done === n) out.elapsed = (yield* now()) - t0; // the last one stops the clock
      });
    }
  };
}

/**
 * 2n signal-waits on binary semaphores: each thread signals (posts) the one its
 * partner waits on, then waits on its own. The minimal form of "signal a waiting
 * thread, then wait"; the monitor form (below) adds a mutex to every step.
 */
function signalWait(n: number, out: { elapsed: number }, kernel: boolean): () => Code<void> {
  return function* main(): Code<void> {
    const mine = kernel ? new KernelSemaphore(0, 'a') : new Semaphore(0, 'a');
    const theirs = kernel ? new KernelSemaphore(0, 'b') : new Semaphore(0, 'b');
    const partner = yield* spawn(function* partner(): Code<void> {
      for (let i = 0; i < n; i++) {
        yield* theirs.wait();
        yield* mine.post();
      }
    });
    const t0 = yield* now();
    for (let i = 0; i < n; i++) {
      yield* theirs.post(); // signal the waiting thread ...
      yield* mine.wait(); // ... then wait
    }
    out.elapsed = (yield* now()) - t0;
    yield* join(partner);
  };
}

/** 2n signal-waits under one mutex: each thread signals the other's condition, then waits on its own. */
function monitorSignalWait(n: number, out: { elapsed: number }): () => Code<void> {
  return function* main(): Code<void> {
    const m = new Mutex('m');
    const forMain = new Cond('main');
    const forPartner = new Cond('partner');
    yield* m.lock();
    const partner = yield* spawn(function* partner(): Code<void> {
      yield* m.lock();
      for (let i = 0; i < n; i++) {
        yield* forMain.signal();
        yield* forPartner.wait(m);
      }
      yield* forMain.signal();
      yield* m.unlock();
    });
    yield* forMain.wait(m); // until the partner runs and signals
    const t0 = yield* now();
    for (let i = 0; i < n; i++) {
      yield* forPartner.signal(); // signal the waiting thread ...
      yield* forMain.wait(m); // ... then wait
    }
    out.elapsed = (yield* now()) - t0;
    yield* m.unlock();
    yield* join(partner);
  };
}

function runOne(preset: string, o: ProcessOptions, bench: Benchmark, n: number): { r: Report; elapsed: number; ops: number } {
  const out = { elapsed: 0 };
  // The kernel daemons run on the other, idle processors and never touch this one: leave
  // them out, so the breakdown counts only the measured processor's work.
  const m = new Machine({ cpus: 6, preset, seed: 1, daemons: false });
  const main = bench === 'nullFork' ? nullFork(n, out) : bench === 'monitorSignalWait' ? monitorSignalWait(n, out) : signalWait(n, out, bench === 'upcallPath');
  m.process(o, main);
  const r = m.run();
  if (r.outcome.kind !== 'completed') throw new Error(`${bench} under ${JSON.stringify(o)}: ${r.outcome.kind}`);
  return { r, elapsed: out.elapsed, ops: bench === 'nullFork' ? n : 2 * n };
}

/** Measure one cell of `bench` under process options `o` on `preset`. */
export function measure(preset: string, o: ProcessOptions, bench: Benchmark, n = 200): Cell {
  const a = runOne(preset, o, bench, n);
  const b = runOne(preset, o, bench, 2 * n);
  const ops = b.ops - a.ops;
  const per = (f: (r: Report) => number): number => (f(b.r) - f(a.r)) / ops;
  const prims = new Map<string, number>();
  for (const p of b.r.primitives) prims.set(p.name, p.ns);
  for (const p of a.r.primitives) prims.set(p.name, (prims.get(p.name) ?? 0) - p.ns);
  const total = [...prims.values()].reduce((x, y) => x + y, 0);
  const shares = [...prims.entries()]
    .filter(([, ns]) => ns > 0)
    .map(([name, ns]) => ({ name, ns: ns / ops, share: total > 0 ? ns / total : 0 }))
    .sort((x, y) => y.ns - x.ns);
  return {
    us: (b.elapsed - a.elapsed) / ops / 1000,
    instructions: per((r) => r.counts.instructions),
    crossings: per((r) => r.counts.kernelCrossings),
    upcalls: per((r) => r.counts.upcalls),
    threadSwitches: per((r) => r.counts.threadSwitches),
    kernelSwitches: per((r) => r.counts.kernelSwitches),
    addressSpaceSwitches: per((r) => r.counts.addressSpaceSwitches),
    shares,
  };
}

export interface Table4 {
  readonly nullFork: Record<Column, Cell>;
  readonly signalWait: Record<Column, Cell>;
  /** Signal-Wait in the monitor form (one mutex, a condition each): printed beside, for comparison. */
  readonly monitorSignalWait: Record<Column, Cell>;
  readonly upcallPath: Cell;
}

export function table4(preset = 'firefly', n = 50): Table4 {
  const row = (bench: Benchmark): Record<Column, Cell> => {
    const out = {} as Record<Column, Cell>;
    for (const c of COLUMN_NAMES) out[c] = measure(preset, COLUMNS[c], bench, n);
    return out;
  };
  return {
    nullFork: row('nullFork'), signalWait: row('signalWait'), monitorSignalWait: row('monitorSignalWait'),
    upcallPath: measure(preset, COLUMNS.ftActivations, 'upcallPath', n),
  };
}
