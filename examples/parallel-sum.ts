/**
 * Parallel sum: add 1..N by splitting the range into chunks, one green thread per
 * chunk. Each thread models its work as `compute(chunkLength * nsPerElement)` and
 * returns its partial sum; main joins the threads and adds the partial sums.
 *
 * The same program runs on 1, 2 and 4 vCPUs of a 4-CPU machine; the speedup is the
 * ratio of the simulated end times, so it includes everything the simulation charges
 * (thread creation, upcalls, wake-ups of idle vCPUs, switches, timer interrupts).
 * Run it alone with `npx tsx examples/parallel-sum.ts`, or as an app from the command
 * line: `upcall run examples/parallel-sum.ts 100000 --vcpus 2`.
 */
import { pathToFileURL } from 'node:url';
import { Machine, compute, join, spawn } from '../src/index';
import type { AppOptions, Code, PolicyOption, Report, Thread } from '../src/index';

export interface SumOptions {
  /** Sum 1..n. Default 1,000,000. */
  readonly n?: number;
  /** Number of chunks (threads). Default 16. */
  readonly chunks?: number;
  /** Simulated ns of work per element. Default 2. */
  readonly nsPerElement?: number;
  /** vCPUs of the process. Default 4. */
  readonly vcpus?: number;
  /** Physical CPUs. Default 4. */
  readonly cpus?: number;
  readonly policy?: PolicyOption;
  readonly seed?: number;
}

export interface SumResult {
  readonly report: Report;
  readonly sum: number;
  /** n(n+1)/2. */
  readonly expected: number;
  readonly n: number;
  readonly chunks: number;
  readonly vcpus: number;
}

/** The program: main sums 1..n in `chunks` threads, each charging nsPer ns per element. */
function sumProgram(n: number, chunks: number, nsPer: number): () => Code<number> {
  function* sumRange(lo: number, hi: number): Code<number> {
    yield* compute((hi - lo + 1) * nsPer); // the simulated cost of the loop below
    let s = 0;
    for (let i = lo; i <= hi; i++) s += i;
    return s;
  }

  return function* main(): Code<number> {
    const kids: Thread<number>[] = [];
    const size = Math.ceil(n / chunks);
    for (let lo = 1; lo <= n; lo += size) kids.push(yield* spawn(sumRange, lo, Math.min(n, lo + size - 1)));
    let total = 0;
    for (const k of kids) total += yield* join(k);
    return total;
  };
}

export function parallelSum(opts: SumOptions = {}): SumResult {
  const n = opts.n ?? 1_000_000;
  const chunks = opts.chunks ?? 16;
  const nsPer = opts.nsPerElement ?? 2;
  const vcpus = opts.vcpus ?? 4;
  const main = sumProgram(n, chunks, nsPer);

  const m = new Machine({ cpus: opts.cpus ?? 4, seed: opts.seed ?? 7 });
  m.process({ vcpus, policy: opts.policy ?? 'fifo' }, main);
  const report = m.run();
  return { report, sum: report.processes[0]?.mainResult as number, expected: (n * (n + 1)) / 2, n, chunks, vcpus };
}

/** Run the sum on each vCPU count; speedup[i] = endTime(first) / endTime(i). */
export function parallelSumScaling(vcpuCounts: readonly number[] = [1, 2, 4], opts: Omit<SumOptions, 'vcpus'> = {}): { runs: SumResult[]; speedup: number[] } {
  const runs = vcpuCounts.map((v) => parallelSum({ ...opts, vcpus: v }));
  const base = runs[0]?.report.endTime ?? 0;
  return { runs, speedup: runs.map((r) => base / r.report.endTime) };
}

/** As an app for the command line: `upcall run examples/parallel-sum.ts [n] --vcpus 2` (4 CPUs and 4 vCPUs unless flags say otherwise). */
export const options: AppOptions = { machine: { cpus: 4, seed: 7 }, process: { vcpus: 4 } };

export default function* app(n: number = 100_000): Code<number> {
  return yield* sumProgram(n, 16, 2)();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { runs, speedup } = parallelSumScaling();
  runs.forEach((r, i) => {
    console.log(`${r.vcpus} vCPU(s): sum ${r.sum} (expected ${r.expected}), ${r.report.outcome.kind}, end time ${r.report.endTime} ns, speedup ${speedup[i]!.toFixed(2)}x`);
  });
}
