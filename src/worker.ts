/**
 * runInWorker: run an app module's Machine in a worker thread under a host-time limit.
 *
 * In-process, a thread body that loops without yielding (`while (true) {}`) blocks the
 * host forever: the simulator resumes a thread's generator and gets control back only
 * when it yields, and JavaScript cannot preempt a synchronous loop. In a worker the main
 * thread stays free: when the limit passes it reads the progress buffer (src/progress.ts)
 * the worker writes before every resume, terminates the worker and reports a hang naming
 * the thread, its process, vCPU, pc and last instruction.
 *
 * Invariants:
 *  1. Bad arguments (the module, the options) are a ConfigError naming the argument,
 *     thrown (as a rejection) before any worker starts.
 *  2. Otherwise the promise resolves, never rejects: 'done', 'hang' or 'error'.
 *  3. The worker never outlives the answer: it is terminated once the answer is in.
 *  4. The host clock is used only here, for the limit (never inside the simulator).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, UpcallError } from '../kernel-sim/errors';
import type { MachineOptions, ProcessOptions } from './config';
import { progressBuffer, readProgress, sameProgress } from './progress';
import type { Phase, ProgressSnapshot, ThreadSpot } from './progress';
import type { ErrorSummary, RunSummary } from './run-summary';
import type { WorkerAnswer, WorkerInput } from './worker-thread';

export interface RunInWorkerOptions {
  /** Host ms from the worker's start to its answer, module load and setup included (a .ts app adds ~0.5 s for tsx). Default 60,000. */
  readonly timeoutMs?: number;
  /** The export that is the app. Default: `default`, else `main`. */
  readonly export?: string;
  /** Machine options laid over the app's own, key by key (a key here replaces the app's). */
  readonly machine?: MachineOptions;
  /** Process options laid over those of every process the app adds, key by key. */
  readonly process?: ProcessOptions;
  /** Arguments for main(...args) or setup(m, ...args); they must survive structuredClone. */
  readonly args?: readonly unknown[];
}

export type WorkerRunResult =
  /** The run ended and reported (whatever its outcome: see report.ok). */
  | { readonly kind: 'done'; readonly report: RunSummary; readonly hostMs: number }
  /** No answer within timeoutMs: the worker was terminated. */
  | {
    readonly kind: 'hang';
    readonly message: string;
    readonly timeoutMs: number;
    readonly hostMs: number;
    /** What the worker was doing: loading the module, in the app's setup, running the machine. */
    readonly phase: Phase;
    /** True when a thread's own code had the CPU (it was resumed and had not yielded). */
    readonly inThread: boolean;
    /** The thread running (inThread) or last run, with its last instruction; null before any ran. */
    readonly thread: ThreadSpot | null;
    /** Nothing changed during a short grace period after the limit (a loop that never yields, not a slow run). */
    readonly stuck: boolean;
    /** Machine instructions completed, counted every 4,096 (so up to 4,095 behind). */
    readonly steps: number;
  }
  /** The module did not load, the app or its options were wrong, run() threw, or the worker died. */
  | { readonly kind: 'error'; readonly phase: 'load' | 'setup' | 'run' | 'worker'; readonly error: ErrorSummary; readonly message: string; readonly hostMs: number };

const KEYS = ['timeoutMs', 'export', 'machine', 'process', 'args'];
const MAX_TIMEOUT = 2 ** 31 - 1; // setTimeout's limit
/** How long after the limit the progress buffer is read again, to tell a stuck thread from a slow run. */
const GRACE_MS = 50;
const TS_FILE = /\.(?:ts|mts|cts|tsx)$/;

/**
 * The worker's first code: load tsx when a .ts file is involved (Node 20 workers do not
 * take `--import tsx` in execArgv), then the worker entry. Plain CommonJS, for eval.
 */
const BOOT = `
const { workerData, parentPort } = require('node:worker_threads');
(async () => {
  if (workerData.tsx !== null) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => parentPort.postMessage({ kind: 'boot', message: String(e && e.stack || e) }));
`;

/** Run the app exported by `module` (a .js or .ts file) in a worker thread; see WorkerRunResult. */
export async function runInWorker(module: string | URL, options: RunInWorkerOptions = {}): Promise<WorkerRunResult> {
  const file = modulePath(module);
  const o = checkOptions(options);
  const here = thisModule();
  const entry = new URL(here.endsWith('.ts') ? './worker-thread.ts' : './worker-thread.js', here);
  if (!existsSync(fileURLToPath(entry))) throw new UpcallError(`runInWorker: the worker entry ${fileURLToPath(entry)} is missing from this build of upcall`);
  const needsTsx = TS_FILE.test(file) || entry.pathname.endsWith('.ts');
  const tsx = needsTsx ? tsxApi([file, fileURLToPath(here)]) : null;
  if (needsTsx && tsx === null) throw new ConfigError(`runInWorker: module '${file}' is TypeScript, and no tsx >= 4 (its tsx/esm/api) is installed where the module or upcall can find it: npm install --save-dev tsx, or pass the compiled .js`);
  const progress = progressBuffer();
  const input: WorkerInput = {
    module: pathToFileURL(file).href, exportName: o.export ?? null,
    machine: o.machine ?? {}, process: o.process ?? {}, args: o.args ?? [], progress,
  };
  const t0 = performance.now();
  const worker = new Worker(BOOT, { eval: true, workerData: { ...input, tsx, entry: entry.href } });
  return new Promise<WorkerRunResult>((settle) => {
    let over = false;
    const finish = (r: WorkerRunResult): void => {
      if (over) return;
      over = true;
      clearTimeout(timer);
      void worker.terminate();
      settle(r);
    };
    const ms = (): number => Math.round(performance.now() - t0);
    worker.on('message', (m: WorkerAnswer | { kind: 'boot'; message: string }) => finish(answer(m, ms())));
    worker.on('error', (e) => finish(failed('worker', { name: e.name, code: codeOf(e), message: e.message, cause: null }, ms())));
    worker.on('exit', (code) => finish(failed('worker', { name: 'WorkerExit', code: null, message: `the worker exited with code ${code} before answering`, cause: null }, ms())));
    const timeoutMs = o.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      const first = readProgress(progress);
      // Read again after a grace period: unchanged means stuck, not slow.
      setTimeout(() => {
        const then = readProgress(progress);
        finish(hang(then, sameProgress(first, then), timeoutMs, ms()));
      }, GRACE_MS);
    }, timeoutMs);
  });
}

function answer(m: WorkerAnswer | { kind: 'boot'; message: string }, hostMs: number): WorkerRunResult {
  switch (m.kind) {
    case 'done':
      return { kind: 'done', report: m.report, hostMs };
    case 'error':
      return failed(m.phase, m.error, hostMs);
    case 'boot':
      return failed('worker', { name: 'WorkerBootError', code: null, message: `the worker could not start: ${m.message}`, cause: null }, hostMs);
    default: {
      const never: never = m;
      return failed('worker', { name: 'WorkerProtocolError', code: null, message: `unknown answer ${JSON.stringify(never)}`, cause: null }, hostMs);
    }
  }
}

function failed(phase: 'load' | 'setup' | 'run' | 'worker', error: ErrorSummary, hostMs: number): WorkerRunResult {
  const where = phase === 'load' ? 'the app module failed to load' : phase === 'setup' ? 'the app could not be set up' : phase === 'run' ? 'the run threw' : 'the worker failed';
  const cause = error.cause === null ? '' : ` (cause: ${error.cause.name}: ${error.cause.message})`;
  return { kind: 'error', phase, error, message: `${where}: ${error.name}${error.code === null ? '' : ` [${error.code}]`}: ${error.message}${cause}`, hostMs };
}

function hang(p: ProgressSnapshot, stuck: boolean, timeoutMs: number, hostMs: number): WorkerRunResult {
  const t = p.spot;
  const limit = `no answer within ${timeoutMs} ms of host time`;
  let message: string;
  if (p.phase === 'loading' || p.phase === 'starting') message = `${limit}: the app module was still loading (a loop at its top level?)`;
  else if (p.phase === 'setup') message = `${limit}: the app's setup had not returned (a loop outside any thread?)`;
  else if (p.phase === 'reporting') message = `${limit}: the run had ended and its report was being built`;
  else if (t === null) message = `${limit}: the machine was running, but no thread had started yet`;
  else {
    const who = `${t.thread} of process '${t.process}' (vCPU ${t.vcpu}, cpu${t.cpu})`;
    const after = t.instructions === 0 ? 'at its first instruction' : `after ${t.instructions} instruction${t.instructions === 1 ? '' : 's'} of its own, the last ${t.lastInstruction}`;
    message = p.inThread
      ? `${limit}: ${who} ${stuck ? 'never yielded' : 'was still running'}: its code at ${t.pc} had the CPU since t=${t.time}ns, ${after}${stuck ? ' (a synchronous loop in thread code cannot be preempted: yield inside it, e.g. yield* yieldNow())' : ''}`
      : `${limit}: the simulator was ${stuck ? 'stuck' : 'still running'} outside thread code; the last thread to run was ${who} at t=${t.time}ns, ${after}`;
  }
  return { kind: 'hang', message, timeoutMs, hostMs, phase: p.phase, inThread: p.inThread, thread: t, stuck, steps: p.steps };
}

function modulePath(module: string | URL): string {
  let file: string;
  if (module instanceof URL) {
    if (module.protocol !== 'file:') throw new ConfigError(`runInWorker: module must be a file path or a file: URL, got ${module.href}`);
    file = fileURLToPath(module);
  } else if (typeof module === 'string' && module.length > 0) {
    file = module.startsWith('file:') ? fileURLToPath(module) : resolve(module);
  } else {
    throw new ConfigError(`runInWorker: module must be a file path or a file: URL, got ${typeof module === 'string' ? 'an empty string' : typeof module}`);
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError(`runInWorker: module: no such file '${file}'`);
  return file;
}

function checkOptions(o: RunInWorkerOptions): RunInWorkerOptions {
  if (o === null || typeof o !== 'object') throw new ConfigError(`runInWorker: options must be an object, got ${String(o)}`);
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new ConfigError(`runInWorker: unknown option '${k}' (known: ${KEYS.join(', ')})`);
  const t = o.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !(t > 0) || t > MAX_TIMEOUT)) {
    throw new ConfigError(`runInWorker: options.timeoutMs must be a number of milliseconds > 0 and <= ${MAX_TIMEOUT}, got ${String(t)}`);
  }
  if (o.export !== undefined && (typeof o.export !== 'string' || o.export.length === 0)) throw new ConfigError(`runInWorker: options.export must be a non-empty export name, got ${String(o.export)}`);
  for (const k of ['machine', 'process'] as const) {
    const v = o[k];
    if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) throw new ConfigError(`runInWorker: options.${k} must be an options object, got ${String(v)}`);
    if (v !== undefined) cloneable(v, `options.${k}`);
  }
  if (o.args !== undefined) {
    if (!Array.isArray(o.args)) throw new ConfigError(`runInWorker: options.args must be an array, got ${typeof o.args}`);
    o.args.forEach((a, i) => cloneable(a, `options.args[${i}]`));
  }
  return o;
}

function cloneable(v: unknown, what: string): void {
  try {
    structuredClone(v);
  } catch (e) {
    throw new ConfigError(`runInWorker: ${what} cannot be sent to a worker (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** This module's URL, in the ESM and the CJS build alike (and under vitest). */
function thisModule(): string {
  return typeof __filename === 'string' ? pathToFileURL(__filename).href : import.meta.url;
}

/** File URL of tsx's ESM register API, found from the first base that has tsx installed, or null (also the CLI's worker pool). */
export function tsxApi(bases: readonly string[]): string | null {
  for (const base of bases) {
    try {
      const pkgFile = createRequire(base).resolve('tsx/package.json');
      const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports?: Record<string, unknown> };
      const api = pkg.exports?.['./esm/api'] as { import?: string | { default?: string } } | undefined;
      const rel = typeof api?.import === 'string' ? api.import : api?.import?.default;
      if (typeof rel === 'string') return pathToFileURL(join(dirname(pkgFile), rel)).href;
    } catch {
      // not installed from this base: try the next
    }
  }
  return null;
}

function codeOf(e: Error): string | null {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'string' ? c : null;
}
