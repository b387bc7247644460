/**
 * The cases of `npm run bench`, in four groups (one benny suite each, so that fastest and
 * slowest compare like with like): switch, create, hand-off and frames. Each group has
 * its floor (bare V8 generators), its peers (Effect 4, async/await) and our scenario
 * under every bench configuration (bench/scenarios/configs.ts).
 */
import type { CaseSpec } from './measure';
import { asyncPingPong } from './scenarios/async-pingpong';
import { CONFIGS } from './scenarios/configs';
import { effectFork, effectQueue, effectYield } from './scenarios/effect';
import { HANDOFF_K, channelPingPong, mutexHandoff } from './scenarios/handoff';
import { rawChannelPingPong } from './scenarios/raw-gen-channel';
import { rawCreateRunCollect } from './scenarios/raw-gen-create';
import { rawRoundRobin2 } from './scenarios/raw-gen-rr2';
import { rawStepLoop } from './scenarios/raw-gen-step';
import { SPAWN_JOIN_N, spawnJoin } from './scenarios/spawn-join';
import { STEP_K, stepLoop } from './scenarios/step-loop';
import { PINGPONG_K, yieldPingPong } from './scenarios/yield-pingpong';

/** Peer sizes: Effect's fibers are slower per unit, so fewer units keep a sample short. */
const EFFECT_K = 20_000;
const ASYNC_K = 100_000;

export const GROUPS = {
  switch: 'switch: two threads yielding to each other',
  create: `create: spawn + run + join of N = ${SPAWN_JOIN_N.toLocaleString('en-US')} empty threads`,
  handoff: 'hand-off: a Mutex or a one-slot channel passed between two threads',
  frames: `frames: a loop of ${STEP_K.toLocaleString('en-US')} \`yield* step()\` at depth 0 and 4`,
} as const;

export const caseName = (scenario: string, cfg: string): string => `${scenario}[${cfg}]`;

export async function buildCases(): Promise<CaseSpec[]> {
  const out: CaseSpec[] = [];
  const sync = (group: string, name: string, unit: string, units: number, fn: () => unknown): void => {
    out.push({ name, group, unit, units, fn, report: null });
  };
  // Floors and peers, each checked once before it is timed.
  const check = (name: string, got: number, want: number): void => {
    if (got !== want) throw new Error(`bench: ${name} did ${got} units, expected ${want}`);
  };
  check('raw-gen-rr2', rawRoundRobin2(PINGPONG_K), 2 * PINGPONG_K);
  check('raw-gen-create', rawCreateRunCollect(SPAWN_JOIN_N), SPAWN_JOIN_N);
  check('raw-gen-channel', rawChannelPingPong(HANDOFF_K), 2 * HANDOFF_K);
  check('raw-gen-step', rawStepLoop(STEP_K, 4), STEP_K);
  check('effect-yield', await effectYield(EFFECT_K), 2 * EFFECT_K);
  check('effect-fork', await effectFork(SPAWN_JOIN_N), SPAWN_JOIN_N);
  check('effect-queue', await effectQueue(EFFECT_K), 2 * EFFECT_K);
  check('async-pingpong', await asyncPingPong(ASYNC_K), 2 * ASYNC_K);

  sync(GROUPS.switch, 'raw-gen-rr2', 'switch', 2 * PINGPONG_K, () => rawRoundRobin2(PINGPONG_K));
  out.push({ name: 'effect-yield', group: GROUPS.switch, unit: 'switch', units: 2 * EFFECT_K, fn: () => effectYield(EFFECT_K), report: null });
  out.push({ name: 'async-pingpong', group: GROUPS.switch, unit: 'switch', units: 2 * ASYNC_K, fn: () => asyncPingPong(ASYNC_K), report: null });
  sync(GROUPS.create, 'raw-gen-create', 'thread', SPAWN_JOIN_N, () => rawCreateRunCollect(SPAWN_JOIN_N));
  out.push({ name: 'effect-fork', group: GROUPS.create, unit: 'thread', units: SPAWN_JOIN_N, fn: () => effectFork(SPAWN_JOIN_N), report: null });
  sync(GROUPS.handoff, 'raw-gen-channel', 'message', 2 * HANDOFF_K, () => rawChannelPingPong(HANDOFF_K));
  out.push({ name: 'effect-queue', group: GROUPS.handoff, unit: 'message', units: 2 * EFFECT_K, fn: () => effectQueue(EFFECT_K), report: null });
  sync(GROUPS.frames, 'raw-gen-step-d0', 'step', STEP_K, () => rawStepLoop(STEP_K, 0));
  sync(GROUPS.frames, 'raw-gen-step-d4', 'step', STEP_K, () => rawStepLoop(STEP_K, 4));

  for (const cfg of CONFIGS) {
    const yp = yieldPingPong(PINGPONG_K, cfg);
    out.push({ name: caseName('yield-pingpong', cfg.id), group: GROUPS.switch, unit: 'switch', units: yp.units, fn: () => yieldPingPong(PINGPONG_K, cfg), report: yp.report });
    const sj = spawnJoin(SPAWN_JOIN_N, cfg);
    out.push({ name: caseName('spawn-join', cfg.id), group: GROUPS.create, unit: 'thread', units: sj.units, fn: () => spawnJoin(SPAWN_JOIN_N, cfg), report: sj.report });
    const mh = mutexHandoff(HANDOFF_K, cfg);
    out.push({ name: caseName('mutex-handoff', cfg.id), group: GROUPS.handoff, unit: 'hand-off', units: mh.units, fn: () => mutexHandoff(HANDOFF_K, cfg), report: mh.report });
    const cp = channelPingPong(HANDOFF_K, cfg);
    out.push({ name: caseName('channel-pingpong', cfg.id), group: GROUPS.handoff, unit: 'message', units: cp.units, fn: () => channelPingPong(HANDOFF_K, cfg), report: cp.report });
    for (const d of [0, 4]) {
      const sl = stepLoop(STEP_K, d, cfg);
      out.push({ name: caseName(`step-loop-d${d}`, cfg.id), group: GROUPS.frames, unit: 'step', units: sl.units, fn: () => stepLoop(STEP_K, d, cfg), report: sl.report });
    }
  }
  return out;
}
