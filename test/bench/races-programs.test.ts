/**
 * The race benchmark programs of bench/races/: on 1, 2 and 4 vCPUs the untested
 * schedule passes the buggy and the fixed variant, and the fixed variant survives
 * random testing; random testing on 1 vCPU (the multi-vCPU-only program: 2 vCPUs)
 * reaches every bug the table in bench/races/programs.ts says it found, and the
 * multi-vCPU-only program is correct on 1 vCPU.
 */
import { describe, expect, it } from 'vitest';
import { RACE_PROGRAMS, raceProgram, reorder, reorderScenario } from '../../bench/races/programs';
import type { RaceProgram } from '../../bench/races/programs';
import { explore, random, runScenario } from '../../src/testing/index';

const VCPUS = [1, 2, 4] as const;

/** Random runs of each fixed variant per vCPU count. */
const FIXED_RUNS = 100;

/**
 * Programs random({ rate: 5, kinds: ['irq'] }) found within 2,000 runs (the table in
 * programs.ts has the run of the first failure). Those not listed are not asserted.
 */
const FOUND = new Set([
  'account', 'bluetooth', 'circular-buffer', 'lock-order', 'lazy-init', 'reorder-3', 'reorder-5', 'reorder-10', 'stack',
  'token-ring', 'two-stage', 'wrong-lock', 'lost-wakeup', 'two-vcpu-flags', 'twenty-threads',
]);

describe('the catalog', () => {
  it('has unique ids, reasoned preemption counts and one multi-vCPU-only program', () => {
    const ids = RACE_PROGRAMS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(15);
    for (const p of RACE_PROGRAMS) expect(Number.isInteger(p.preemptions) && p.preemptions >= 0).toBe(true);
    expect(RACE_PROGRAMS.filter((p) => p.multiVcpuOnly === true).map((p) => p.id)).toEqual(['two-vcpu-flags']);
    expect(raceProgram('reorder-10').title).toMatch(/9 setters/);
    expect(() => raceProgram('nope')).toThrow(/unknown race program 'nope'/);
  });

  it('reorder takes n, and builds fresh state in every run', () => {
    expect(reorder(7)({ vcpus: 1 }).name).toMatch(/^reorder-7, 1 vCPU$/);
    expect(() => reorderScenario({ vcpus: 1, n: 1 })).toThrow(RangeError);
    const s = reorder(4)({ vcpus: 2 });
    const a = runScenario(s);
    const b = runScenario(s);
    expect(a.ok && b.ok).toBe(true);
    expect(b.traceHash).toBe(a.traceHash);
  });
});

function fixedSurvives(p: RaceProgram, vcpus: 1 | 2 | 4): void {
  const bug = runScenario(p.make({ vcpus }));
  expect(bug.failure, `${p.id} baseline on ${vcpus} vCPU(s)`).toBeNull();
  const fixed = p.make({ vcpus, fixed: true });
  expect(runScenario(fixed).failure, `${p.id} fixed baseline on ${vcpus} vCPU(s)`).toBeNull();
  const r = explore(fixed, { strategy: random({ rate: 20 }), runs: FIXED_RUNS });
  expect(r.baseline.ok).toBe(true);
  expect(r.runs).toBe(FIXED_RUNS);
  expect(r.failures, `${p.id} fixed on ${vcpus} vCPU(s): ${r.firstFailure?.failure ?? ''} ${r.firstFailure?.replay ?? ''}`).toBe(0);
}

describe.each(RACE_PROGRAMS)('$id', (p) => {
  it.each(VCPUS)('on %i vCPU(s): both baselines pass, the fixed variant survives random runs', (vcpus) => {
    fixedSurvives(p, vcpus);
  });

  it.runIf(FOUND.has(p.id))('random interrupts reach the bug', () => {
    const vcpus = p.multiVcpuOnly === true ? 2 : 1;
    const r = explore(p.make({ vcpus }), { strategy: random({ rate: 5, kinds: ['irq'] }), runs: 2_000, stopAtFirst: true, shrink: false });
    expect(r.baseline.ok).toBe(true);
    expect(r.firstFailure, `${p.id}: no failure in ${r.runs} runs`).not.toBeNull();
    expect(r.deterministic).toBe(true);
  });
});

describe('the multi-vCPU-only program', () => {
  it('is correct on 1 vCPU: random interrupts at every rate find nothing', () => {
    const s = raceProgram('two-vcpu-flags').make({ vcpus: 1 });
    for (const rate of [2, 5, 50]) {
      const r = explore(s, { strategy: random({ rate, kinds: ['irq'] }), runs: 100, shrink: false });
      expect(r.failures, `rate ${rate}: ${r.firstFailure?.failure ?? ''}`).toBe(0);
    }
  });
});
