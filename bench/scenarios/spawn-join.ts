/**
 * Scenario `spawn-join`: one Machine (1 CPU), one process under a bench configuration.
 * The main thread spawns N threads with an empty body, then joins them all. Unit: one
 * thread (spawn + run to completion + join). Machine construction is inside the
 * measured call.
 */
import { Machine, join, spawn } from '../../src/index';
import type { Code, Report, Thread } from '../../src/index';
import { DEFAULT_CONFIG } from './configs';
import type { BenchConfig } from './configs';

export const SPAWN_JOIN_N = 10_000;

export interface MachineRun {
  /** Units the run performed (threads here, switches for ping-pong). */
  readonly units: number;
  readonly report: Report;
}

/** The spawned threads' body: returns at once. */
function* empty(): Code<void> {}

function* spawnAllJoinAll(n: number): Code<number> {
  const ts: Thread<void>[] = new Array<Thread<void>>(n);
  for (let i = 0; i < n; i++) ts[i] = yield* spawn(empty);
  for (let i = 0; i < n; i++) yield* join(ts[i] as Thread<void>);
  return n;
}

/** Build a fresh Machine, run it once, and return the report; throws if the run failed. */
export function spawnJoin(n: number = SPAWN_JOIN_N, cfg: BenchConfig = DEFAULT_CONFIG): MachineRun {
  const r = new Machine({ cpus: 1 }).process(cfg.process, spawnAllJoinAll, n).run();
  if (!r.ok) throw new Error(`spawn-join(${n}, ${cfg.id}): run ended ${JSON.stringify(r.outcome)}`);
  return { units: n, report: r };
}
