/**
 * Scenario `spawn-join`: one Machine (1 CPU), one process with 1 vCPU. The main thread
 * spawns N threads with an empty body, then joins them all. Unit: one thread (spawn +
 * run to completion + join). Machine construction is inside the measured call.
 */
import { Machine, join, spawn } from '../../src/index';
import type { Code, Report, Thread } from '../../src/index';

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
export function spawnJoin(n: number = SPAWN_JOIN_N): MachineRun {
  const r = new Machine({ cpus: 1 }).process({ vcpus: 1 }, spawnAllJoinAll, n).run();
  if (!r.ok) throw new Error(`spawn-join(${n}): run ended ${JSON.stringify(r.outcome)}`);
  return { units: n, report: r };
}
