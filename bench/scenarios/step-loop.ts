/**
 * Scenario `step-loop`: one thread runs `for (i < K) yield* step()` at depth d (inside d
 * nested `yield*` helper frames), under a bench configuration. Unit: one step. Compare
 * raw-gen-step: the same loop over a bare generator.
 */
import { Machine, step } from '../../src/index';
import type { Code } from '../../src/index';
import { DEFAULT_CONFIG } from './configs';
import type { BenchConfig } from './configs';
import type { MachineRun } from './spawn-join';

export const STEP_K = 100_000;

function* loop(k: number): Code<void> {
  for (let i = 0; i < k; i++) yield* step();
}

function* nest(d: number, k: number): Code<void> {
  if (d === 0) yield* loop(k);
  else yield* nest(d - 1, k);
}

export function stepLoop(k: number, depth: number, cfg: BenchConfig = DEFAULT_CONFIG): MachineRun {
  const r = new Machine({ cpus: 1 }).process(cfg.process, nest, depth, k).run();
  if (!r.ok) throw new Error(`step-loop(${k}, ${depth}, ${cfg.id}): run ended ${JSON.stringify(r.outcome)}`);
  return { units: k, report: r };
}
