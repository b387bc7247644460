/**
 * Scale benchmark (issue 9, "Scale and memory"), one part per child process started by
 * bench/run.ts with `--expose-gc` (heap figures are taken after a full collection):
 *  - live <n>: n threads alive at once, blocked on one Semaphore; the heap at that
 *    point (run.ts starts this child under --max-old-space-size=1024, so V8 itself
 *    enforces the 1 GB goal), then all released and joined;
 *  - churn <n> <window>: n threads created over the run with at most `window` alive
 *    (a sliding window: the main thread joins the oldest before it spawns the next);
 *    the peak of the heap probes taken every n/20 spawns: bounded by the window, not n;
 *  - switches <total>: two threads yielding total/2 times each; the run completes and
 *    its host time;
 *  - drop <n>: the heap after a warm-up and a full GC (the baseline), then a Machine
 *    whose n threads block, are released and joined; once the machine and its report
 *    are unreachable, the heap after GC over the baseline (goal: at most 1.10).
 * Probes run as host code inside the main green thread (no simulated instruction), so
 * they change no simulated result. Prints one JSON object.
 *
 * Usage: node --expose-gc --import tsx bench/scale.ts <part> <n> [window] [config]
 */
import { performance } from 'node:perf_hooks';
import { Machine, Semaphore, join, spawn, yieldNow } from '../src/index';
import type { Code, Report, Thread } from '../src/index';
import { configById } from './scenarios/configs';
import type { BenchConfig } from './scenarios/configs';
import { pingPongMain } from './scenarios/yield-pingpong';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('bench/scale.ts: run with node --expose-gc');

const MIB = 2 ** 20;

function heapAfterGc(): number {
  (gc as () => void)();
  (gc as () => void)();
  return process.memoryUsage().heapUsed;
}

/** Heap samples taken inside a run, and the host ms their collections took. */
interface Probe {
  peak: number;
  gcMs: number;
}

function sample(p: Probe): number {
  const t0 = performance.now();
  const h = heapAfterGc();
  p.gcMs += performance.now() - t0;
  if (h > p.peak) p.peak = h;
  return h;
}

function* waiter(s: Semaphore): Code<void> {
  yield* s.wait();
}

/** n waiters blocked at once (the probe sees them all), then released and joined. */
function* liveMain(n: number, p: Probe): Code<number> {
  const s = new Semaphore(0, 'gate');
  const ts = new Array<Thread<void>>(n);
  for (let i = 0; i < n; i++) ts[i] = yield* spawn(waiter, s);
  yield* yieldNow(); // every waiter runs once and blocks (one vCPU, FIFO)
  sample(p);
  for (let i = 0; i < n; i++) yield* s.post();
  for (let i = 0; i < n; i++) yield* join(ts[i] as Thread<void>);
  return n;
}

function* shortLived(): Code<void> {
  yield* yieldNow(); // alive across at least one switch
}

/** n threads over the run, at most `window` of them alive: join the oldest, spawn the next. */
function* churnMain(n: number, window: number, p: Probe): Code<number> {
  const ring = new Array<Thread<void> | null>(window).fill(null);
  const every = Math.max(1, Math.floor(n / 20));
  for (let i = 0; i < n; i++) {
    const old = ring[i % window];
    if (old !== null && old !== undefined) yield* join(old);
    ring[i % window] = yield* spawn(shortLived);
    if ((i + 1) % every === 0) sample(p);
  }
  for (const t of ring) if (t !== null) yield* join(t);
  sample(p);
  return n;
}

/** Run one machine, failing loudly unless it completed. */
function runOk(what: string, m: Machine): Report {
  const r = m.run();
  if (!r.ok) throw new Error(`bench/scale.ts ${what}: run ended ${r.outcome.kind}`);
  return r;
}

/** The drop part's machine, in its own function so that nothing of it outlives the call. */
function runAndForget(n: number, cfg: BenchConfig): { readonly threads: number; readonly records: number } {
  const p: Probe = { peak: 0, gcMs: 0 };
  const r = runOk('drop', new Machine({ cpus: 1 }).process(cfg.process, liveMain, n, p));
  const proc = r.processes[0];
  return { threads: proc?.threadRecords.created ?? 0, records: proc?.threads.length ?? 0 };
}

const args = process.argv.slice(2).filter((x) => !x.startsWith('--'));
const [part] = args;
const num = (x: string | undefined, what: string): number => {
  const n = Number(x);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`bench/scale.ts ${String(part)}: bad ${what} '${String(x)}'`);
  return n;
};

function main(): unknown {
  switch (part) {
    case 'live': {
      const n = num(args[1], 'count');
      const cfg = configById(args[2] ?? 'sa');
      const base = heapAfterGc();
      const p: Probe = { peak: 0, gcMs: 0 };
      const t0 = performance.now();
      runOk('live', new Machine({ cpus: 1 }).process(cfg.process, liveMain, n, p));
      const ms = performance.now() - t0 - p.gcMs;
      return { part, config: cfg.id, n, heapLimitMiB: heapLimit(), liveHeapMiB: p.peak / MIB, overBaseMiB: (p.peak - base) / MIB, bytesPerThread: (p.peak - base) / n, ms };
    }
    case 'churn': {
      const n = num(args[1], 'count');
      const window = num(args[2], 'window');
      const cfg = configById(args[3] ?? 'sa');
      const base = heapAfterGc();
      const p: Probe = { peak: 0, gcMs: 0 };
      const t0 = performance.now();
      const r = runOk('churn', new Machine({ cpus: 1 }).process(cfg.process, churnMain, n, window, p));
      const ms = performance.now() - t0 - p.gcMs;
      const proc = r.processes[0];
      return { part, config: cfg.id, n, window, created: proc?.threadRecords.created, records: proc?.threads.length, dropped: proc?.threadRecords.dropped, peakOverBaseMiB: (p.peak - base) / MIB, ms, nsPerThread: (ms * 1e6) / n };
    }
    case 'switches': {
      const total = num(args[1], 'count');
      const cfg = configById(args[2] ?? 'sa');
      const t0 = performance.now();
      // Ten instructions or so per switch: lift the default step limit (100 M) out of the way.
      const r = runOk('switches', new Machine({ cpus: 1, maxSteps: Number.MAX_SAFE_INTEGER, livelockSteps: Number.MAX_SAFE_INTEGER }).process(cfg.process, pingPongMain, Math.ceil(total / 2)));
      const ms = performance.now() - t0;
      return { part, config: cfg.id, total, threadSwitches: r.counts.threadSwitches, instructions: r.counts.instructions, simEndNs: r.endTime, ms, nsPerSwitch: (ms * 1e6) / r.counts.threadSwitches };
    }
    case 'drop': {
      const n = num(args[1], 'count');
      const cfg = configById(args[2] ?? 'sa');
      runAndForget(Math.min(n, 1000), cfg); // warm the code paths before the baseline
      const base = heapAfterGc();
      const seen = runAndForget(n, cfg);
      const after = heapAfterGc();
      return { part, config: cfg.id, n, ...seen, baselineMiB: base / MIB, afterMiB: after / MIB, ratio: after / base };
    }
    default:
      throw new Error(`bench/scale.ts: unknown part '${String(part)}' (live, churn, switches, drop)`);
  }
}

/** The old-space limit this process runs under (MiB), for the report line. */
function heapLimit(): number | null {
  const flag = process.execArgv.find((a) => a.startsWith('--max-old-space-size='));
  return flag === undefined ? null : Number(flag.slice('--max-old-space-size='.length));
}

console.log(JSON.stringify(main()));
