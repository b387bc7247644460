/**
 * The main thread's side of the CLI's worker threads: start a worker on a job, watch it,
 * and turn what comes back into an answer. The watchdog is a host-time limit on silence:
 * every run of the scenario bumps a shared counter, and a worker whose counter has not
 * moved for `timeoutMs` (a run that does not end: a thread that never yields, or a run far
 * slower than expected) is read through src/progress.ts's buffer, terminated, and reported
 * as a hang naming the thread that had the CPU.
 *
 * Invariants:
 *  1. Every started worker is terminated once its answer is in (or on cancel).
 *  2. The answer promise always resolves: done, error or hang.
 *  3. Host time is read here only, for the limit (never by the simulation).
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progressBuffer, readProgress, sameProgress } from '../progress';
import type { ProgressSnapshot, ThreadSpot } from '../progress';
import type { ErrorSummary } from '../run-summary';
import { C_BEAT, C_RUN, C_STAGE, COUNTERS, S_LOADING, STAGES } from './jobs';
import type { Job, JobValue, WorkerInput, WorkerMessage } from './jobs';
import { TS_FILE, tsxRegisterApi } from './modules';
import { UsageError } from './io';

export type JobAnswer<T extends JobValue = JobValue> =
  | { readonly kind: 'done'; readonly value: T; readonly hostMs: number }
  | { readonly kind: 'error'; readonly phase: 'load' | 'export' | 'run' | 'worker'; readonly error: ErrorSummary; readonly message: string; readonly hostMs: number }
  | { readonly kind: 'hang'; readonly message: string; readonly thread: ThreadSpot | null; readonly stuck: boolean; readonly run: number; readonly stage: string; readonly hostMs: number };

export interface RunningJob<T extends JobValue> {
  readonly answer: Promise<JobAnswer<T>>;
  /** The worker's counters (C_* in jobs.ts), live. */
  readonly counters: Int32Array;
  cancel(): void;
}

/** The least time the scenario module is given to load (a loop at its top level is a hang after it). */
export const LOAD_MS = 30_000;
/** A short read of the progress buffer after the limit, to tell a stuck thread from a slow run. */
const GRACE_MS = 50;

/**
 * The worker's first code: register tsx when TypeScript is involved (Node 20 workers do not
 * take `--import tsx`), then load the CLI's entry, which starts the worker role.
 */
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx !== null) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => parentPort.postMessage({ kind: 'boot', message: String(e && e.stack || e) }));
`;

/** tsx's register API when the scenario or the CLI itself is TypeScript; a UsageError when that needs tsx and there is none. */
export function tsxFor(entryUrl: string, moduleFile: string): string | null {
  const entry = fileURLToPath(entryUrl);
  // from source the bin (src/cli/bin.js) imports the TypeScript beside it
  const fromSource = TS_FILE.test(entry) || existsSync(join(dirname(entry), 'main.ts'));
  if (!TS_FILE.test(moduleFile) && !fromSource) return null;
  const api = tsxRegisterApi([moduleFile, entry]);
  if (api === null) throw new UsageError(`'${moduleFile}' is TypeScript, and no tsx >= 4 is installed where it or upcall can find it: npm install --save-dev tsx, or pass the compiled .js`);
  return api;
}

export function startJob<T extends JobValue>(entryUrl: string, tsx: string | null, job: Job, timeoutMs: number): RunningJob<T> {
  const counters = new SharedArrayBuffer(COUNTERS * 4);
  const c = new Int32Array(counters);
  const progress = progressBuffer();
  const input: WorkerInput = { upcallCliWorker: true, job, counters, progress };
  const t0 = performance.now();
  const worker = new Worker(BOOT, { eval: true, workerData: { ...input, tsx, entry: entryUrl } });
  let settle: (a: JobAnswer<T>) => void = () => undefined;
  const answer = new Promise<JobAnswer<T>>((s) => (settle = s));
  let over = false;
  const ms = (): number => Math.round(performance.now() - t0);
  const done = (a: JobAnswer<T>): void => {
    if (over) return;
    over = true;
    clearInterval(watch);
    void worker.terminate();
    settle(a);
  };
  const failed = (phase: 'load' | 'export' | 'run' | 'worker', error: ErrorSummary): JobAnswer<T> => ({ kind: 'error', phase, error, message: errorMessage(phase, error), hostMs: ms() });
  worker.on('message', (m: WorkerMessage) => {
    if (m.kind === 'done') done({ kind: 'done', value: m.value as T, hostMs: ms() });
    else if (m.kind === 'error') done(failed(m.phase, m.error));
    else done(failed('worker', { name: 'WorkerBootError', code: null, message: `the worker could not start: ${m.message}`, cause: null }));
  });
  worker.on('error', (e) => done(failed('worker', { name: e.name, code: null, message: e.message, cause: null })));
  worker.on('exit', (code) => done(failed('worker', { name: 'WorkerExit', code: null, message: `the worker exited with code ${code} before answering`, cause: null })));
  // The watchdog: silence for timeoutMs (no run began or ended) is a hang.
  let beat = Atomics.load(c, C_BEAT);
  let since = performance.now();
  let reading = false;
  const watch = setInterval(() => {
    if (over || reading) return;
    const now = Atomics.load(c, C_BEAT);
    if (now !== beat) {
      beat = now;
      since = performance.now();
      return;
    }
    // loading a module (tsx compiling a tree of TypeScript on a busy machine) may take longer than one run
    const limit = Atomics.load(c, C_STAGE) <= S_LOADING ? Math.max(timeoutMs, LOAD_MS) : timeoutMs;
    if (performance.now() - since < limit) return;
    reading = true;
    const first = readProgress(progress);
    setTimeout(() => {
      const then = readProgress(progress);
      const stuck = sameProgress(first, then) && Atomics.load(c, C_BEAT) === beat;
      done(hang(then, stuck, Atomics.load(c, C_STAGE), Atomics.load(c, C_RUN), timeoutMs, ms()));
    }, GRACE_MS);
  }, Math.max(10, Math.min(200, Math.floor(timeoutMs / 5))));
  return { answer, counters: c, cancel: () => done(failed('worker', { name: 'Cancelled', code: null, message: 'cancelled', cause: null })) };
}

function errorMessage(phase: 'load' | 'export' | 'run' | 'worker', e: ErrorSummary): string {
  const where = phase === 'load' ? 'the scenario module failed to load' : phase === 'export' ? 'the scenario module exports no usable scenario' : phase === 'run' ? 'the exploration stopped' : 'the worker failed';
  const cause = e.cause === null ? '' : ` (cause: ${e.cause.name}: ${e.cause.message})`;
  const hint = /'fast-check'/.test(e.message) ? ' (upcall/testing needs its peer dependency: npm install --save-dev fast-check; a scenario that imports only types from it does not)' : '';
  return `${where}: ${e.name}${e.code === null ? '' : ` [${e.code}]`}: ${e.message}${cause}${hint}`;
}

function hang<T extends JobValue>(p: ProgressSnapshot, stuck: boolean, stageIndex: number, run: number, timeoutMs: number, hostMs: number): JobAnswer<T> {
  const stage = STAGES[stageIndex] ?? 'starting';
  const limit = stageIndex <= S_LOADING ? `no progress within ${seconds(Math.max(timeoutMs, LOAD_MS))} of host time (--timeout, and at least ${seconds(LOAD_MS)} to load)` : `no progress within ${seconds(timeoutMs)} of host time (--timeout)`;
  const t = p.spot;
  const during = stageIndex <= S_LOADING ? 'while loading the scenario module (a loop at its top level?)'
    : stage === 'exploring' ? (run === 0 ? 'in the baseline run' : `in run ${run} of the exploration`) : `while ${stage}`;
  let message: string;
  if (stageIndex <= S_LOADING || t === null) message = `${limit} ${during}${t === null && stageIndex > S_LOADING ? ': no thread had run yet (a loop in setup()?)' : ''}`;
  else {
    const who = `${t.thread} of process '${t.process}' (vCPU ${t.vcpu}, cpu${t.cpu})`;
    const after = t.instructions === 0 ? 'at its first instruction' : `after ${t.instructions} instruction${t.instructions === 1 ? '' : 's'} of its own, the last ${t.lastInstruction}`;
    message = p.inThread
      ? `${limit} ${during}: ${who} ${stuck ? 'never yielded' : 'was still running'}: its code at ${t.pc} had the CPU since t=${t.time}ns, ${after}${stuck ? ' (a synchronous loop in thread code cannot be preempted: yield inside it, e.g. yield* yieldNow())' : ''}`
      : `${limit} ${during}: the simulator was ${stuck ? 'stuck' : 'still running'} outside thread code; the last thread to run was ${who} at t=${t.time}ns, ${after}`;
  }
  return { kind: 'hang', message, thread: t, stuck, run, stage, hostMs };
}

export function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
}
