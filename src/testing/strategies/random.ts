/**
 * random: Nachos `-rs` style. Before every counted instruction an event lands with
 * probability 1/rate (a kind drawn from `kinds`); ties, disk order and allocator
 * victims are drawn at random too, and a resident page faults with probability
 * `faultRate`. Each run draws from its own seeded generator (and, with varySeed, runs
 * on its own machine seed), so an exploration is reproducible.
 *
 * Invariants:
 *  1. Run i's draws depend only on (seed, i) and the run itself.
 *  2. A revocation or stall is drawn only where one can land. Events come in bursts: after
 *     one lands, another lands at the same point with probability 1/2, up to BURST in a
 *     row (so several events may land before one instruction, and even rate 1 lets every
 *     instruction run).
 *  3. With `choices` (the default), every pick of the next thread is drawn uniformly from
 *     the ready threads, as are ties, disk order and victims.
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
import { checkOptions, defaultKinds, kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface RandomOptions {
  /** Mean counted instructions between events (default: a third of the baseline's counted instructions, so about three events per run). */
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
const BURST = 8;
/** A drawn stall lasts 1..MAX_DRAWN_STALL instructions of the other CPUs. */
const MAX_DRAWN_STALL = 400;
const OPTIONS = ['rate', 'kinds', 'choices', 'faultRate', 'seed', 'varySeed', 'windows'];

class RandomPlan implements Plan {
  /** The counted ordinal of the last event, and how many landed there in a row. */
  private last = 0;
  private inARow = 0;

  constructor(private readonly rng: Rng, private readonly rate: number, private readonly kinds: readonly EventName[], private readonly choices: boolean, private readonly faultRate: number) {}

  private stall = 1;

  step(at: StepPoint): InjectKind {
    if (at.ordinal === 0) return INJECT_NONE;
    if (at.ordinal !== this.last) this.inARow = 0;
    if (this.inARow >= BURST) return INJECT_NONE;
    // the first event of a burst at rate 1/rate, each further one at 1/2
    if (this.inARow === 0 ? this.rng.int(0, this.rate - 1) !== 0 : this.rng.int(0, 1) !== 0) return INJECT_NONE;
    const k = this.kinds[this.rng.int(0, this.kinds.length - 1)] as EventName;
    if (k === 'rv' && !at.canRevoke()) return INJECT_NONE;
    if (k === 'st' && !at.canStall()) return INJECT_NONE;
    if (k === 'pf' && !at.pfAllowed()) return INJECT_NONE;
    if (k === 'st') this.stall = this.rng.int(1, MAX_DRAWN_STALL);
    this.last = at.ordinal;
    this.inARow++;
    return INJECT_OF[k];
  }

  stallLength(): number {
    return this.stall;
  }

  choose(point: DecisionPoint): number {
    if (point.kind === 'fault') return this.faultRate > 0 && this.rng.int(0, 999_999) < this.faultRate * 1_000_000 ? 1 : 0;
    if (!this.choices || point.kind === 'jitter' || point.kind === 'stall') return -1;
    return this.rng.int(0, rangeOf(point) - 1);
  }
}

export function random(o: RandomOptions = {}): Strategy {
  checkOptions('random', o, OPTIONS);
  if (o.rate !== undefined) positiveInt('random.rate', o.rate, 1);
  let rate = o.rate ?? 1_000;
  const chosen = kindsOf(o.kinds, 'random.kinds');
  let kinds = defaultKinds(chosen, 1);
  const faultRate = o.faultRate ?? 0;
  if (!(faultRate >= 0 && faultRate <= 1)) throw new ConfigError(`random.faultRate: a probability in [0, 1], got ${String(o.faultRate)}`);
  let seed = o.seed ?? 1;
  let events = 0;
  return {
    name: 'random',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(r: RunResult, scenarioSeed: number): void {
      seed = o.seed ?? scenarioSeed;
      events = 0;
      kinds = defaultKinds(chosen, r.machineCpus);
      if (o.rate === undefined) rate = Math.max(2, Math.round(r.counted / 3));
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
