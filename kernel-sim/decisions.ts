/**
 * The decision source: every choice a run may vary is taken here and recorded, so a
 * run is a pure function of (program, configuration, seed, decisions). Race-testing
 * strategies (src/testing, a later layer) plug in by implementing DecisionSource.
 *
 * Invariants:
 *  1. The simulator asks for a decision only at a DecisionPoint; it never draws
 *     randomness elsewhere.
 *  2. The default source answers ties with the lowest CPU index and timer jitter from
 *     the seeded Rng, and records only those answers that differ from the default
 *     (jitter is always recorded since it has no default).
 */
import { Rng } from './rng';

export type DecisionPoint =
  /** Several CPUs are ready to step at the same simulated time; answer an index into `cpus`. */
  | { readonly kind: 'tie'; readonly cpus: readonly number[] }
  /** Extra delay in [0, max] ns added to the next timer tick of `cpu`. */
  | { readonly kind: 'jitter'; readonly cpu: number; readonly max: number };

export interface DecisionSource {
  decide(point: DecisionPoint): number;
}

export interface Decision {
  readonly point: DecisionPoint;
  readonly answer: number;
}

/** Seeded default source with a record of the decisions it took. */
export class SeededDecisions implements DecisionSource {
  private readonly rng: Rng;
  readonly log: Decision[] = [];

  constructor(seed: number, private readonly keepLog = false) {
    this.rng = new Rng(seed);
  }

  decide(point: DecisionPoint): number {
    let answer: number;
    switch (point.kind) {
      case 'tie':
        answer = 0;
        break;
      case 'jitter':
        answer = this.rng.int(0, point.max);
        break;
      default:
        return assertNever(point);
    }
    if (this.keepLog) this.log.push({ point, answer });
    return answer;
  }
}

export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
