/**
 * Memory and scale benchmark, run by bench/run.ts in a child process started with
 * `--expose-gc` (so that heap figures are taken after a full collection):
 *  - bytes per blocked thread: N threads blocked on one Semaphore, heap after GC minus
 *    the heap before the Machine was built, divided by N; beside it the same for N bare
 *    generators suspended at a yield (the floor);
 *  - scale: N threads blocked on one Semaphore, all released (post N times) and joined;
 *    the heap after GC at the probes (the larger is the peak of live data: all N
 *    threads alive and blocked) and the host time per thread without the probes'
 *    collections, at two N, so that time linear in N shows as equal per-thread figures
 *    (run.ts also reruns the largest default case under --max-old-space-size=1024);
 *  - 1:1 spawn + join per thread at two N (linearity).
 * The probes run as plain host code inside the main green thread (no simulated
 * instruction), so they change no simulated result. Prints one JSON object.
 *
 * Usage: node --expose-gc --import tsx bench/memory.ts <part> [config] <n>
 */
import { performance } from 'node:perf_hooks';
import { Machine, Semaphore, join, spawn, yieldNow } from '../src/index';
import type { Code, Thread } from '../src/index';
import { configById } from './scenarios/configs';
import type { BenchConfig } from './scenarios/configs';
import { spawnJoin } from './scenarios/spawn-join';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('bench/memory.ts: run with node --expose-gc');

function heapAfterGc(): number {
  (gc as () => void)();
  (gc as () => void)();
  return process.memoryUsage().heapUsed;
}

function* waiter(s: Semaphore): Code<void> {
  yield* s.wait();
}

interface Probe {
  base: number;
  blocked: number;
  peak: number;
  /** Host ms spent in the probes' collections (taken out of the scale timing). */
  gcMs: number;
}

function probeHeap(probe: Probe): number {
  const t0 = performance.now();
  const h = heapAfterGc();
  probe.gcMs += performance.now() - t0;
  return h;
}

/** Main: spawn n waiters, let them all block, probe, release them all, join them all. */
function* blockRelease(n: number, probe: Probe): Code<void> {
  const s = new Semaphore(0, 'gate');
  const ts = new Array<Thread<void>>(n);
  for (let i = 0; i < n; i++) ts[i] = yield* spawn(waiter, s);
  yield* yieldNow(); // every waiter runs once and blocks (one vCPU, FIFO)
  // Every thread is alive and blocked here: the most the run ever holds live.
  probe.blocked = probeHeap(probe);
  probe.peak = Math.max(probe.peak, probe.blocked);
  for (let i = 0; i < n; i++) yield* s.post();
  for (let i = 0; i < n; i++) yield* join(ts[i] as Thread<void>);
  probe.peak = Math.max(probe.peak, probeHeap(probe));
}

function runBlocked(n: number, cfg: BenchConfig): { probe: Probe; ms: number } {
  const probe: Probe = { base: heapAfterGc(), blocked: 0, peak: 0, gcMs: 0 };
  const t0 = performance.now();
  const r = new Machine({ cpus: 1 }).process(cfg.process, blockRelease, n, probe).run();
  const ms = performance.now() - t0 - probe.gcMs;
  if (!r.ok) throw new Error(`memory: block-release(${n}, ${cfg.id}) ended ${JSON.stringify(r.outcome)}`);
  return { probe, ms };
}

function* suspended(): Generator<number, void, unknown> {
  yield 0;
}

let keep: unknown = null;

/** Floor: n bare generators, each started and suspended at its yield. */
function bareBytes(n: number): number {
  const base = heapAfterGc();
  const gs = new Array<Generator<number, void, unknown>>(n);
  for (let i = 0; i < n; i++) {
    const g = suspended();
    g.next();
    gs[i] = g;
  }
  const used = heapAfterGc();
  keep = gs; // still reachable at the measurement
  if (keep === null) throw new Error('unreachable');
  return (used - base) / n;
}

/**
 * One part per child process, so that each starts from a clean heap:
 *   bytes <config> <n> | bare <n> | scale <config> <n> | spawnjoin <config> <n>
 */
const [part, a1, a2] = process.argv.slice(2).filter((x) => !x.startsWith('--'));
const num = (x: string | undefined): number => {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bench/memory.ts: bad count '${String(x)}'`);
  return n;
};

function main(): unknown {
  switch (part) {
    case 'bare': {
      bareBytes(1000);
      return { bareBytesPerGenerator: bareBytes(num(a1)) };
    }
    case 'bytes': {
      const cfg = configById(a1 ?? '');
      const n = num(a2);
      runBlocked(Math.min(n, 1000), cfg); // warm the code paths
      const { probe } = runBlocked(n, cfg);
      return { config: cfg.id, n, bytesPerThread: (probe.blocked - probe.base) / n };
    }
    case 'scale': {
      const cfg = configById(a1 ?? '');
      const n = num(a2);
      runBlocked(Math.min(n, 1000), cfg);
      const { probe, ms } = runBlocked(n, cfg);
      return { config: cfg.id, n, ms, nsPerThread: (ms * 1e6) / n, peakHeapMiB: (probe.peak - probe.base) / 2 ** 20 };
    }
    case 'spawnjoin': {
      const cfg = configById(a1 ?? '');
      const n = num(a2);
      spawnJoin(Math.min(n, 1000), cfg);
      const t0 = performance.now();
      spawnJoin(n, cfg);
      const ms = performance.now() - t0;
      return { config: cfg.id, n, ms, usPerThread: (ms * 1e3) / n };
    }
    default:
      throw new Error(`bench/memory.ts: unknown part '${String(part)}' (bytes, bare, scale, spawnjoin)`);
  }
}

console.log(JSON.stringify(main()));
