/**
 * Scenario `yield-pingpong`: one Machine (1 CPU), one process with 1 vCPU. Main spawns two
 * threads that each do `yield* yieldNow()` K times, then joins both. Unit: one thread
 * switch, counted by the runtime (report.processes[0].threadSwitches, which is 2K plus
 * the few switches of main). Machine construction is inside the measured call.
 */
import { Machine, join, spawn, yieldNow } from '../../src/index';
import type { Code } from '../../src/index';
import type { MachineRun } from './spawn-join';

export const PINGPONG_K = 100_000;

function* pinger(k: number): Code<void> {
  for (let i = 0; i < k; i++) yield* yieldNow();
}

function* pingPongMain(k: number): Code<void> {
  const a = yield* spawn(pinger, k);
  const b = yield* spawn(pinger, k);
  yield* join(a);
  yield* join(b);
}

export function yieldPingPong(k: number = PINGPONG_K): MachineRun {
  const r = new Machine({ cpus: 1 }).process({ vcpus: 1 }, pingPongMain, k).run();
  if (!r.ok) throw new Error(`yield-pingpong(${k}): run ended ${JSON.stringify(r.outcome)}`);
  const p = r.processes[0];
  if (p === undefined) throw new Error('yield-pingpong: report has no process');
  return { units: p.threadSwitches, report: r };
}
