/**
 * Issue 10's figures on the race programs (bench/races/run.ts prints them all): with the
 * default options, on 1, 2 and 4 vCPUs, random() finds every program whose bug needs at
 * most 2 preemptions, and reorder-10, within 1,000 runs; the failure shrinks to at most
 * two decisions (the preemption, and the pick after it) for every 1-preemption bug; the shrunk string is under 200 characters, names threads by path and replays to the same failure; PCT's
 * bound is printed on 1 vCPU only, and on several it says why not.
 */
import { describe, expect, it } from 'vitest';
import { RACE_PROGRAMS } from '../../bench/races/programs';
import { findRow } from '../../bench/races/run';
import { explore, pct } from '../../src/testing/index';

const VCPUS = [1, 2, 4] as const;

for (const v of VCPUS) {
  describe(`race programs on ${v} vCPU(s), default options`, () => {
    for (const p of RACE_PROGRAMS) {
      if (p.multiVcpuOnly === true && v === 1) continue;
      if (p.preemptions > 2 && p.id !== 'reorder-10') continue;
      it(`${p.id}: found within 1,000 runs, shrunk, replayed`, () => {
        const r = findRow(p, v, 'random', 1_000);
        expect(r.foundAt, `${p.id} on ${v} vCPU(s)`).not.toBeNull();
        expect(r.replays).toBe(true);
        expect(r.replay).not.toMatch(/@T\d|=T\d/);
        // a bug of one preemption: that interrupt, and at most the pick after it (reorder-N)
        if (p.preemptions === 1) expect(r.shrunkEvents).toBeLessThanOrEqual(2);
        expect(r.replayLength).toBeLessThan(200);
      });
    }
  });
}

describe('PCT on the race programs', () => {
  it('prints its bound on 1 vCPU, and on 2 says why not', () => {
    const p = RACE_PROGRAMS.find((x) => x.id === 'account')!;
    expect(typeof explore(p.make({ vcpus: 1 }), { strategy: pct(), runs: 3 }).stats['perRunBound']).toBe('number');
    expect(String(explore(p.make({ vcpus: 2 }), { strategy: pct(), runs: 3 }).stats['bound'])).toMatch(/not printed: on 2 CPUs threads also run at the same time/);
  });
});
