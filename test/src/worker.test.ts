/**
 * runInWorker and its progress channel: a normal app comes back 'done' with the same
 * run as in-process; an app whose thread never yields comes back 'hang' within the limit,
 * naming the thread, its process, vCPU, pc and last instruction; a module that throws,
 * a wrong export and a dying worker come back 'error'; bad arguments are ConfigErrors
 * naming the argument. And the progress writer only observes.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compute, ConfigError, join, Machine, runInWorker, spawn, yieldNow } from '../../src/index';
import type { Code, WorkerRunResult } from '../../src/index';
import { progressBuffer, ProgressWriter, readProgress } from '../../src/progress';
import sumMain, { options as sumOptions } from './fixtures/app-sum';

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
/** Long enough for a worker to start tsx and load a .ts module on a busy machine. */
const LIMIT = 4000;
/** How late a hang may come back: the grace read (50 ms) and the host's own delays. */
const SLACK = 2000;

function expectKind<K extends WorkerRunResult['kind']>(r: WorkerRunResult, kind: K): Extract<WorkerRunResult, { kind: K }> {
  if (r.kind !== kind) throw new Error(`expected '${kind}', got ${JSON.stringify(r)}`);
  return r as Extract<WorkerRunResult, { kind: K }>;
}

function inProcess(seed?: number): { hash: string; endTime: number; result: unknown } {
  const m = new Machine({ ...sumOptions.machine, ...(seed === undefined ? {} : { seed }) });
  m.process(sumOptions.process ?? {}, sumMain, 5);
  const r = m.run();
  return { hash: r.traceHash, endTime: r.endTime, result: r.processes[0]?.mainResult };
}

describe('runInWorker: done', () => {
  it('runs a main-generator app with its options and args, exactly as in-process', async () => {
    const r = expectKind(await runInWorker(fixture('app-sum.ts'), { args: [5] }), 'done');
    const local = inProcess();
    expect(r.report.ok).toBe(true);
    expect(r.report.outcome).toBe('completed');
    expect(r.report.processes.map((p) => [p.name, p.end, p.threads])).toEqual([['p0', 'exited', 6]]);
    expect(r.report.processes[0]?.mainResult).toEqual({ kind: 'value', value: 150 });
    expect(local.result).toBe(150);
    // Chunked advance in the worker and run() in-process: the same run.
    expect(r.report.traceHash).toBe(local.hash);
    expect(r.report.endTime).toBe(local.endTime);
  });

  it('lays machine overrides over the app options', async () => {
    const r = expectKind(await runInWorker(fixture('app-sum.ts'), { args: [5], machine: { seed: 11 } }), 'done');
    expect(r.report.traceHash).toBe(inProcess(11).hash);
  });

  it('runs a JavaScript { setup, options } app with two processes', async () => {
    const r = expectKind(await runInWorker(fixture('app-plain.js'), { args: ['a', 'b'] }), 'done');
    expect(r.report.processes.map((p) => [p.name, p.mainResult])).toEqual([
      ['left', { kind: 'value', value: 'a' }], ['right', { kind: 'value', value: 'b' }],
    ]);
  });

  it('reports a thread crash as a fault, its error as data', async () => {
    const r = expectKind(await runInWorker(fixture('app-bad.ts'), { export: 'crash' }), 'done');
    expect(r.report.outcome).toBe('fault');
    expect(r.report.error).toMatchObject({ name: 'ThreadCrashError', code: 'ERR_THREAD_CRASH', cause: { name: 'TypeError', message: 'fixture: the main thread crashed' } });
    expect(r.report.processes[0]?.error?.message).toMatch(/T1\(main\) of process 'p0' died of TypeError/);
  });
});

describe('runInWorker: hang', () => {
  it('names the thread that never yields, its process, vCPU, pc and last instruction', async () => {
    const r = expectKind(await runInWorker(fixture('app-spin.ts'), { timeoutMs: LIMIT }), 'hang');
    expect(r.hostMs).toBeGreaterThanOrEqual(LIMIT);
    expect(r.hostMs).toBeLessThan(LIMIT + SLACK);
    expect(r).toMatchObject({ phase: 'running', inThread: true, stuck: true, timeoutMs: LIMIT });
    // compute, compute, yieldNow, then the loop; buddy ran (and exited) in between.
    expect(r.thread).toMatchObject({ thread: 'T2(spinner)', process: 'p0', vcpu: 0, cpu: 0, pc: 'user', lastInstruction: 'TRAP yield', instructions: 3 });
    expect(r.thread?.time).toBeGreaterThan(0);
    expect(r.message).toMatch(/T2\(spinner\) of process 'p0' \(vCPU 0, cpu0\) never yielded: .*after 3 instructions of its own, the last TRAP yield/);
  });

  it('names the process in the label on a machine with several', async () => {
    const r = expectKind(await runInWorker(fixture('app-spin.ts'), { timeoutMs: LIMIT, export: 'twoProcesses' }), 'hang');
    expect(r.thread).toMatchObject({ thread: 'spin/T2(spinner)', process: 'spin', lastInstruction: 'TRAP yield' });
  });

  it('says when the module itself never finishes loading', async () => {
    const r = expectKind(await runInWorker(fixture('app-loops-at-load.ts'), { timeoutMs: LIMIT }), 'hang');
    expect(r.hostMs).toBeLessThan(LIMIT + SLACK);
    expect(r).toMatchObject({ phase: 'loading', inThread: false, thread: null, stuck: true });
    expect(r.message).toMatch(/still loading/);
  });
});

describe('runInWorker: error', () => {
  it('a module that throws at load', async () => {
    const r = expectKind(await runInWorker(fixture('app-throws.ts')), 'error');
    expect(r.phase).toBe('load');
    expect(r.error).toMatchObject({ name: 'RangeError', message: 'fixture: broken at load' });
  });

  it('an export that is no app, a missing export, options the Machine refuses', async () => {
    const noApp = expectKind(await runInWorker(fixture('app-bad.ts')), 'error');
    expect(noApp).toMatchObject({ phase: 'setup', error: { name: 'ConfigError', code: 'ERR_CONFIG' } });
    expect(noApp.error.message).toMatch(/export 'default' must be a generator function .* got 42/);
    const missing = expectKind(await runInWorker(fixture('app-bad.ts'), { export: 'nope' }), 'error');
    expect(missing.error.message).toMatch(/export 'nope' is missing \(exports: .*badCpus/);
    const cpus = expectKind(await runInWorker(fixture('app-bad.ts'), { export: 'badCpus' }), 'error');
    expect(cpus).toMatchObject({ phase: 'setup', error: { code: 'ERR_CONFIG' } });
    expect(cpus.error.message).toMatch(/Machine\.cpus: must be between 1 and 256, got 0/);
  });

  it('a worker that exits before answering', async () => {
    const r = expectKind(await runInWorker(fixture('app-bad.ts'), { export: 'exits' }), 'error');
    expect(r.phase).toBe('worker');
    expect(r.message).toMatch(/exited with code 3 before answering/);
  });
});

describe('runInWorker: bad arguments are ConfigErrors naming the argument', () => {
  const rejects = async (p: Promise<unknown>, what: RegExp): Promise<void> => {
    const e = await p.then(() => null, (x: unknown) => x);
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe('ERR_CONFIG');
    expect((e as ConfigError).message).toMatch(what);
  };

  it('timeoutMs, export, args, unknown options', async () => {
    const app = fixture('app-sum.ts');
    for (const t of [-1, 0, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31, '100']) {
      await rejects(runInWorker(app, { timeoutMs: t as number }), /options\.timeoutMs must be a number of milliseconds > 0/);
    }
    await rejects(runInWorker(app, { export: '' }), /options\.export must be a non-empty export name/);
    await rejects(runInWorker(app, { args: [() => 1] }), /options\.args\[0\] cannot be sent to a worker/);
    await rejects(runInWorker(app, { machine: [] as never }), /options\.machine must be an options object/);
    await rejects(runInWorker(app, { timeout: 5 } as never), /unknown option 'timeout' \(known: timeoutMs/);
  });

  it('a module that is missing or no path', async () => {
    await rejects(runInWorker(fixture('no-such-app.ts')), /module: no such file '.*no-such-app\.ts'/);
    await rejects(runInWorker(fixture('')), /module: no such file/); // the fixtures directory
    await rejects(runInWorker(42 as never), /module must be a file path or a file: URL, got number/);
    await rejects(runInWorker(new URL('https://example.com/app.js')), /module must be a file path or a file: URL/);
  });
});

describe('the progress writer', () => {
  function* app(): Code<number> {
    const t = yield* spawn(function* worker(): Code<number> {
      yield* compute(300);
      yield* yieldNow();
      return 2;
    });
    yield* compute(100);
    return yield* join(t);
  }
  const build = (): Machine => new Machine({ cpus: 2, seed: 4 }).process({ vcpus: 2 }, app);

  it('only observes: a watched run is the same run', () => {
    const plain = build().run();
    const m = build();
    const sab = progressBuffer();
    new ProgressWriter(sab).attach(m);
    const watched = m.run();
    expect(watched.traceHash).toBe(plain.traceHash);
    expect(watched.endTime).toBe(plain.endTime);
    // After the run the buffer names a thread that ran last, which has left its CPU.
    const p = readProgress(sab);
    expect(p.inThread).toBe(false);
    expect(p.spot?.thread).toMatch(/^T[12]\((main|worker)\)$/);
    expect(p.spot?.process).toBe('p0');
  });

  it('reads a fresh buffer as starting, with no thread', () => {
    expect(readProgress(progressBuffer())).toEqual({ phase: 'starting', inThread: false, spot: null, steps: 0 });
  });
});
