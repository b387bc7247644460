/**
 * The simulator's one source of randomness: a seeded xoroshiro128+ generator from
 * pure-rand. Nothing in the simulator reads Math.random or the host clock.
 *
 * Invariants:
 *  1. Same seed => same sequence of draws, on every host.
 *  2. Draws happen only through decisions (decisions.ts), so a run's randomness is
 *     exactly the decisions it records.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';

export class Rng {
  private readonly gen: RandomGenerator;

  constructor(readonly seed: number) {
    this.gen = xoroshiro128plus(seed | 0);
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    if (hi <= lo) return lo;
    return uniformInt(this.gen, lo, hi);
  }
}
