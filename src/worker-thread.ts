/**
 * The inside of runInWorker (src/worker.ts): loaded in a worker thread, it imports the
 * app module, builds the Machine, runs it while writing the progress buffer, and posts
 * one answer, a run summary or an error as data. It is the only module with an effect at
 * load: inside the worker it starts at once (nothing else imports it; elsewhere it does nothing).
 *
 * Invariants:
 *  1. Exactly one answer is posted (unless the host terminates the worker first).
 *  2. The machine runs in chunks of CHUNK instructions, which runs it exactly as run()
 *     would (Machine.advance), so the progress buffer's step count is never more than
 *     CHUNK behind.
 *  3. Every phase is written before its work starts, so a hang names the phase it is in.
 */
import './dual-load'; // first: the worker is a realm of its own, and an app there may mix import and require too
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, describeUntrusted } from '../kernel-sim/errors';
import type { Code } from '../runtime/thread-api';
import type { MachineOptions, ProcessOptions } from './config';
import { Machine } from './machine';
import { ProgressWriter } from './progress';
import { summarizeError, summarizeReport } from './run-summary';
import type { ErrorSummary, RunSummary } from './run-summary';

/** What runInWorker hands the worker (workerData). */
export interface WorkerInput {
  /** File URL of the app module. */
  readonly module: string;
  /** The export that is the app (null: `default`, else `main`). */
  readonly exportName: string | null;
  readonly machine: MachineOptions;
  readonly process: ProcessOptions;
  readonly args: readonly unknown[];
  readonly progress: SharedArrayBuffer;
}

/** The worker's one answer. */
export type WorkerAnswer =
  | { readonly kind: 'done'; readonly report: RunSummary }
  | { readonly kind: 'error'; readonly phase: 'load' | 'setup' | 'run'; readonly error: ErrorSummary };

/** An app module's options: the machine's and the process's (each optional). */
export interface AppOptions {
  readonly machine?: MachineOptions;
  readonly process?: ProcessOptions;
}

/** Instructions per Machine.advance call: the granularity of the step count a hang reports. */
const CHUNK = 4096;

type Main = (...args: unknown[]) => Code<unknown>;
type Setup = (m: Machine, ...args: unknown[]) => unknown;
type App = { readonly kind: 'main'; readonly main: Main; readonly options: AppOptions } | { readonly kind: 'setup'; readonly setup: Setup; readonly options: AppOptions };

// Only inside runInWorker's worker (imported anywhere else, it does nothing).
if (parentPort !== null && workerData !== null && typeof workerData === 'object') start(workerData as WorkerInput);

/** The worker's one job (its state lives here, not at module level). */
function start(w: WorkerInput): void {
  void runApp(w, new ProgressWriter(w.progress)).then(post, (e: unknown) => post({ kind: 'error', phase: 'run', error: summarizeError(e) }));
}

function post(a: WorkerAnswer): void {
  try {
    parentPort?.postMessage(a);
  } catch (e) {
    // The answer would not clone (a value in counts or a message nobody expected): say so instead.
    parentPort?.postMessage({ kind: 'error', phase: 'run', error: summarizeError(e) } satisfies WorkerAnswer);
  }
}

async function runApp(w: WorkerInput, pw: ProgressWriter): Promise<WorkerAnswer> {
  pw.phase('loading');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(w.module)) as Record<string, unknown>;
  } catch (e) {
    return { kind: 'error', phase: 'load', error: summarizeError(e) };
  }
  pw.phase('setup');
  let m: Machine;
  try {
    const app = appOf(mod, w.exportName, w.module);
    m = new Machine({ ...app.options.machine, ...w.machine });
    const procOptions = { ...app.options.process, ...w.process };
    if (app.kind === 'main') m.process(procOptions, app.main, ...w.args);
    else setupWith(m, app.setup, procOptions, w.args);
  } catch (e) {
    return { kind: 'error', phase: 'setup', error: summarizeError(e) };
  }
  pw.attach(m);
  pw.phase('running');
  try {
    let steps = 0;
    while (!m.advance(CHUNK)) pw.steps(steps += CHUNK);
    const report = m.run();
    pw.steps(report.counts.instructions);
    pw.phase('reporting');
    return { kind: 'done', report: summarizeReport(report) };
  } catch (e) {
    return { kind: 'error', phase: 'run', error: summarizeError(e) };
  }
}

/** The app a module exports: `name` (default: `default`, else `main`), as a main generator, a setup function or { main | setup, options }. */
function appOf(mod: Record<string, unknown>, name: string | null, where: string): App {
  const key = name ?? ('default' in mod ? 'default' : 'main');
  const v = mod[key];
  const what = `app module ${where}: export '${key}'`;
  if (v === undefined) throw new ConfigError(`${what} is missing (exports: ${Object.keys(mod).join(', ') || 'none'})`);
  if (typeof v === 'function') {
    // A function's options are the module's `options` export.
    const options = optionsOf(mod['options'], `app module ${where}: export 'options'`);
    return isGeneratorFunction(v) ? { kind: 'main', main: v as Main, options } : { kind: 'setup', setup: v as Setup, options };
  }
  if (v !== null && typeof v === 'object') {
    const o = v as { main?: unknown; setup?: unknown; options?: unknown };
    const options = optionsOf(o.options, `${what}.options`);
    if (typeof o.main === 'function' && o.setup === undefined) {
      if (!isGeneratorFunction(o.main)) throw new ConfigError(`${what}.main must be a generator function (function*), got a plain function`);
      return { kind: 'main', main: o.main as Main, options };
    }
    if (typeof o.setup === 'function' && o.main === undefined) return { kind: 'setup', setup: o.setup as Setup, options };
  }
  throw new ConfigError(`${what} must be a generator function (the main thread), a function (m: Machine) => void that adds the processes, or { main } / { setup } with optional options; got ${describeUntrusted(v)}`);
}

function optionsOf(v: unknown, what: string): AppOptions {
  if (v === undefined) return {};
  if (v === null || typeof v !== 'object') throw new ConfigError(`${what} must be { machine?, process? }, got ${describeUntrusted(v)}`);
  for (const k of Object.keys(v)) if (k !== 'machine' && k !== 'process') throw new ConfigError(`${what}: unknown option '${k}' (known: machine, process)`);
  return v as AppOptions;
}

/**
 * Run a setup function with the process overrides laid over the options of every
 * process it adds (so the CLI's --mapping or --vcpus reaches a multi-process app too).
 */
function setupWith(m: Machine, setup: Setup, over: ProcessOptions, args: readonly unknown[]): void {
  if (Object.keys(over).length > 0) {
    const add = m.process.bind(m);
    m.process = ((o: ProcessOptions, main: Main, ...a: unknown[]) => add({ ...o, ...over }, main, ...a)) as Machine['process'];
  }
  const r = setup(m, ...args);
  if (r !== null && typeof r === 'object' && typeof (r as { next?: unknown }).next === 'function') {
    throw new ConfigError('the app export is a plain function that returned an iterator: write the main thread as function* (a generator function), or add processes with m.process(...)');
  }
}

function isGeneratorFunction(f: unknown): boolean {
  return Object.prototype.toString.call(f) === '[object GeneratorFunction]';
}
