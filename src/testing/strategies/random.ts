/**
 * random: Nachos `-rs` style. Before every counted instruction an event lands with
 * probability 1/rate (a kind drawn from `kinds`); ties, disk order and allocator
 * victims are drawn at random too, and a resident page faults with probability
 * `faultRate`. Each run draws from its own seeded generator (and, with varySeed, runs
 * on its own machine seed), so an exploration is reproducible.
 *
 * Invariants:
 *  1. Run i's draws depend only on (seed, i) and the run itself.
 *  2. A revocation is drawn only where one can land; at most BURST events land in a row
 *     before one counted instruction (so even rate 1 lets every instruction run).
 */
import { INJECT_NONE } from '../../../kernel-sim/decisions';
import type { DecisionPoint, InjectKind } from '../../../kernel-sim/decisions';
import { rangeOf } from '../../../kernel-sim/decisions';
import { ConfigError } from '../../../kernel-sim/errors';
import { Rng } from '../../../kernel-sim/rng';
import type { Plan, StepPoint } from '../decider';
import { INJECT_OF } from '../decider';
import type { EventName } from '../replay';
import type { RunResult } from '../scenario';
import { kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface RandomOptions {
  /** Mean counted instructions between events (default 1,000). */
  readonly rate?: number;
  readonly kinds?: readonly EventName[];
  /** Randomize ties, disk order and victims (default true). */
  readonly choices?: boolean;
  /** Probability that a touch of a resident page faults anyway (default 0). */
  readonly faultRate?: number;
  /** Strategy seed (default: the scenario's). */
  readonly seed?: number;
  /** Run i uses machine seed seed + i (default true); false keeps the scenario's seed. */
  readonly varySeed?: boolean;
  /** Windows whose instructions count (default: the explorer's). */
  readonly windows?: readonly string[];
}

/** Events in a row before one counted instruction, at most (then it runs). */
const BURST = 3;

class RandomPlan implements Plan {
  /** The counted ordinal of the last event, and how many landed there in a row. */
  private last = 0;
  private inARow = 0;

  constructor(private readonly rng: Rng, private readonly rate: number, private readonly kinds: readonly EventName[], private readonly choices: boolean, private readonly faultRate: number) {}

  step(at: StepPoint): InjectKind {
    if (at.ordinal === 0) return INJECT_NONE;
    if (at.ordinal !== this.last) this.inARow = 0;
    if (this.inARow >= BURST || this.rng.int(0, this.rate - 1) !== 0) return INJECT_NONE;
    const k = this.kinds[this.rng.int(0, this.kinds.length - 1)] as EventName;
    if (k === 'rv' && !at.canRevoke()) return INJECT_NONE;
    this.last = at.ordinal;
    this.inARow++;
    return INJECT_OF[k];
  }

  choose(point: DecisionPoint): number {
    if (point.kind === 'fault') return this.faultRate > 0 && this.rng.int(0, 999_999) < this.faultRate * 1_000_000 ? 1 : 0;
    if (!this.choices || point.kind === 'jitter') return -1;
    return this.rng.int(0, rangeOf(point) - 1);
  }
}

export function random(o: RandomOptions = {}): Strategy {
  const rate = positiveInt('random.rate', o.rate, 1_000);
  const kinds = kindsOf(o.kinds, 'random.kinds');
  const faultRate = o.faultRate ?? 0;
  if (!(faultRate >= 0 && faultRate <= 1)) throw new ConfigError(`random.faultRate: a probability in [0, 1], got ${String(o.faultRate)}`);
  let seed = o.seed ?? 1;
  let events = 0;
  return {
    name: 'random',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(_r: RunResult, scenarioSeed: number): void {
      seed = o.seed ?? scenarioSeed;
      events = 0;
    },
    plan(i: number): PlannedRun {
      const rng = new Rng((seed * 1_000_003 + i * 104_729) | 0);
      return { seed: o.varySeed === false ? seed : (seed + i) | 0, plan: new RandomPlan(rng, rate, kinds, o.choices ?? true, faultRate) };
    },
    observe(_i: number, r: RunResult): void {
      events += r.fired.length;
    },
    stats(runs: number): Record<string, number | string> {
      return { rate, kinds: kinds.join(','), events, eventsPerRun: runs === 0 ? 0 : events / runs };
    },
  };
}
