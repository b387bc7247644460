/**
 * Scenario `yield-pingpong`: one Machine (1 CPU), one process under a bench
 * configuration. Main spawns two threads that each do `yield* yieldNow()` K times, then
 * joins both. Unit: one thread switch, counted by the runtime
 * (report.processes[0].threadSwitches: 2K plus the few switches of main). Machine
 * construction is inside the measured call.
 */
import { Machine, join, spawn, yieldNow } from '../../src/index';
import type { Code } from '../../src/index';
import { DEFAULT_CONFIG } from './configs';
import type { BenchConfig } from './configs';
import type { MachineRun } from './spawn-join';

export const PINGPONG_K = 100_000;

function* pinger(k: number): Code<void> {
  for (let i = 0; i < k; i++) yield* yieldNow();
}

/** Main of the scenario (bench/scale.ts runs it at 10M switches on its own machine). */
export function* pingPongMain(k: number): Code<void> {
  const a = yield* spawn(pinger, k);
  const b = yield* spawn(pinger, k);
  yield* join(a);
  yield* join(b);
}

export function yieldPingPong(k: number = PINGPONG_K, cfg: BenchConfig = DEFAULT_CONFIG): MachineRun {
  const r = new Machine({ cpus: 1 }).process(cfg.process, pingPongMain, k).run();
  if (!r.ok) throw new Error(`yield-pingpong(${k}, ${cfg.id}): run ended ${JSON.stringify(r.outcome)}`);
  const p = r.processes[0];
  if (p === undefined) throw new Error('yield-pingpong: report has no process');
  return { units: p.threadSwitches, report: r };
}
