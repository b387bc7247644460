/**
 * Shared fixture of the sync-primitive suites: the vCPU x policy matrix every suite
 * runs against, a machine/run pair pinned to the suite's seed, the deadlock accessor
 * and a polling wait.
 */
import { expect } from 'vitest';
import { Machine, sleep } from '../../../src/index';
import type { Code, Outcome, PolicyOption, Report } from '../../../src/index';

/** Every suite runs on 1, 2 and 4 vCPUs under both run-queue policies. */
export const MATRIX = [1, 2, 4].flatMap((vcpus) => (['fifo', 'lifo-steal'] as const).map((policy) => ({ vcpus, policy })));

/** A 4-CPU machine with a 5 us quantum (so preemption lands inside critical sections). */
export function harness(defaultSeed: number): {
  machine: (vcpus: number, policy: PolicyOption, main: () => Code<unknown>, seed?: number) => Machine;
  run: (vcpus: number, policy: PolicyOption, main: () => Code<unknown>, seed?: number) => Report;
} {
  const machine = (vcpus: number, policy: PolicyOption, main: () => Code<unknown>, seed = defaultSeed): Machine =>
    new Machine({ cpus: 4, seed, costs: { quantum: 5_000 } }).process({ vcpus, policy }, main);
  return { machine, run: (vcpus, policy, main, seed) => machine(vcpus, policy, main, seed).run() };
}

export function deadlockOf(r: Report): Extract<Outcome, { kind: 'deadlock' }> {
  expect(r.outcome.kind).toBe('deadlock');
  return r.outcome as Extract<Outcome, { kind: 'deadlock' }>;
}

/** Sleep until cond() holds (polling; sleeping lets every other thread run). */
export function* until(cond: () => boolean): Code<void> {
  while (!cond()) yield* sleep(500);
}
