/**
 * Inside one of the CLI's worker threads (main.ts starts this when its workerData says
 * so): load the scenario module, run the job, post one answer. While it runs it bumps the
 * shared counters and keeps src/progress.ts's buffer up to date, so the main thread can
 * draw progress and name a thread that never yields.
 */
import '../dual-load'; // first: a scenario that loads the other format of upcall (import beside require) gets the clear error
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, describeUntrusted } from '../../kernel-sim/errors';
import type { Machine } from '../machine';
import { ProgressWriter } from '../progress';
import { summarizeError } from '../run-summary';
import { replay } from '../testing/reproduce';
import type { Scenario } from '../testing/index';
import { exploreRange, exploreWhole, finish, hooked, replayOutcome, withMachine, withSeed } from './explore-engine';
import type { EngineHooks, Finish } from './explore-engine';
import { C_BEAT, C_FAILURES, C_RUN, C_RUNS, C_STAGE, S_EXPLORING, S_FINISHING, S_LOADING, S_REPLAYING } from './jobs';
import type { Job, JobValue, ScenarioRef, WorkerInput, WorkerMessage } from './jobs';

export function startWorker(): void {
  const w = workerData as WorkerInput;
  const post = (m: WorkerMessage): void => {
    try {
      parentPort?.postMessage(m);
    } catch (e) {
      parentPort?.postMessage({ kind: 'error', phase: 'run', error: summarizeError(e) } satisfies WorkerMessage);
    }
  };
  void work(w).then(post, (e: unknown) => post({ kind: 'error', phase: 'run', error: summarizeError(e) }));
}

async function work(w: WorkerInput): Promise<WorkerMessage> {
  const c = new Int32Array(w.counters);
  const pw = new ProgressWriter(w.progress);
  Atomics.store(c, C_STAGE, S_LOADING);
  Atomics.add(c, C_BEAT, 1);
  pw.phase('loading');
  let mod: Record<string, unknown>;
  try {
    mod = (await import(w.job.scenario.module)) as Record<string, unknown>;
  } catch (e) {
    return { kind: 'error', phase: 'load', error: summarizeError(e) };
  }
  let scenario: Scenario;
  try {
    scenario = scenarioOf(mod, w.job.scenario);
  } catch (e) {
    return { kind: 'error', phase: 'export', error: summarizeError(e) };
  }
  pw.phase('running');
  const setup = (m: Machine): void => {
    pw.attach(m);
    Atomics.add(c, C_BEAT, 1);
  };
  const hooks: EngineHooks = {
    setup,
    starting(run: number): void {
      Atomics.store(c, C_RUN, run);
    },
    observed(_run: number, ok: boolean): void {
      Atomics.add(c, C_RUNS, 1);
      if (!ok) Atomics.add(c, C_FAILURES, 1);
    },
  };
  return { kind: 'done', value: runJob(w.job, scenario, hooks, setup, c) };
}

function runJob(job: Job, scenario: Scenario, hooks: EngineHooks, setup: (m: Machine) => void, c: Int32Array): JobValue {
  switch (job.kind) {
    case 'whole': {
      Atomics.store(c, C_STAGE, S_EXPLORING);
      let failed = false;
      return exploreWhole(scenario, job.spec, { ...hooks, observed: (run, ok) => {
        hooks.observed?.(run, ok);
        failed ||= !ok;
        // explore() finishes its first failure after its last run: say so
        if (failed && (run >= job.spec.runs || job.spec.stopAtFirst)) Atomics.store(c, C_STAGE, S_FINISHING);
      } });
    }
    case 'range': {
      Atomics.store(c, C_STAGE, S_EXPLORING);
      const r = exploreRange(scenario, job.spec, job.lo, job.hi, hooks);
      let f: Finish | null = null;
      if (job.finishOwn && r.part.first !== null) {
        Atomics.store(c, C_STAGE, S_FINISHING);
        f = finish(scenario, job.spec, r.part.first, { setup });
      }
      return { baseline: r.baseline, part: r.part, finish: f };
    }
    case 'finish':
      Atomics.store(c, C_STAGE, S_FINISHING);
      return finish(scenario, job.spec, job.first, { setup });
    case 'replay':
      Atomics.store(c, C_STAGE, S_REPLAYING);
      return replayOutcome(replay(hooked(withMachine(scenario, job.machine), hooks), job.replay, { windows: job.windows }));
    default: {
      const never: never = job;
      throw new Error(`unknown job ${JSON.stringify(never)}`);
    }
  }
}

/** The module's Scenario: the named export, else `default`, else `scenario`; a function there is a factory called with no arguments. */
function scenarioOf(mod: Record<string, unknown>, ref: ScenarioRef): Scenario {
  const key = ref.exportName ?? ('default' in mod ? 'default' : 'scenario');
  let v = mod[key];
  const what = `scenario module ${ref.module}: export '${key}'`;
  if (v === undefined) throw new ConfigError(`${what} is missing (exports: ${Object.keys(mod).join(', ') || 'none'}); export the Scenario as default or as 'scenario', or name its export with --export`);
  if (typeof v === 'function' && typeof (v as { setup?: unknown }).setup !== 'function') {
    if (v.length > 0) throw new ConfigError(`${what} is a function of ${v.length} parameter(s); export a Scenario ({ machine?, setup(m), check? }) or a factory with no parameters`);
    v = (v as () => unknown)();
  }
  if (v === null || typeof v !== 'object' || typeof (v as { setup?: unknown }).setup !== 'function') {
    throw new ConfigError(`${what} must be a Scenario ({ machine?, setup(m), check?(report) }) or a function with no parameters that returns one; got ${describeUntrusted(v)}`);
  }
  return withSeed(v as Scenario, ref.seed ?? undefined);
}
