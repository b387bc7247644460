/**
 * exhaustive: every placement of up to `bound` events inside the counted windows (a
 * preemption bound, as in CHESS's iterative context bounding), smallest first: all
 * single events at every counted instruction and of every kind, then all pairs, ...
 * A placement is a schedule (events at counted ordinals); the children of a placement
 * add one event at or after its last one's ordinal (an event lands before the counted
 * instruction, which then has not run: the next boundary has the same ordinal), at any
 * ordinal its own run reached.
 *
 * Invariants:
 *  1. Placements run in order of size, then of ordinals: the first failure found uses
 *     the fewest events, placed as early as possible.
 *  2. Each placement runs once, and only passing placements are extended (a failing
 *     one's extensions would not be smaller failures); `skipped` counts those whose revocation had nowhere to
 *     land (they ran as their parent did). `complete` says whether the enumeration
 *     finished or the explorer's run budget cut it short.
 *  3. baseline() starts a fresh enumeration: a strategy object may serve several explorations.
 */
import type { EventName } from '../replay';
import { SchedulePlan } from '../plans';
import type { ScheduledEvent } from '../plans';
import type { RunResult } from '../scenario';
import { kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface ExhaustiveOptions {
  /** Most events per placement (default 1). */
  readonly bound?: number;
  readonly kinds?: readonly EventName[];
  readonly windows?: readonly string[];
}

interface Node {
  readonly events: readonly ScheduledEvent[];
  /** Counted instructions of this placement's run. */
  readonly reach: number;
}

export function exhaustive(o: ExhaustiveOptions = {}): Strategy {
  const bound = positiveInt('exhaustive.bound', o.bound, 1);
  const kinds = kindsOf(o.kinds, 'exhaustive.kinds');
  let seed = 1;
  /** Parents of the level being enumerated, and of the next one. */
  let level: Node[] = [];
  let nextLevel: Node[] = [];
  let parent = 0;
  let ordinal = 0;
  let kind = 0;
  const running = new Map<number, readonly ScheduledEvent[]>();
  let skipped = 0;
  let maxReach = 0;
  let complete = false;

  /** The next placement in order (invariant 1), or null. */
  function nextPlacement(): readonly ScheduledEvent[] | null {
    for (;;) {
      const p = level[parent];
      if (p === undefined) {
        if (nextLevel.length === 0) {
          complete = true;
          return null;
        }
        level = nextLevel;
        nextLevel = [];
        parent = 0;
        ordinal = 0;
        kind = 0;
        continue;
      }
      const last = p.events.length === 0 ? 0 : (p.events[p.events.length - 1] as ScheduledEvent).step;
      if (ordinal === 0) ordinal = Math.max(1, last);
      if (ordinal > p.reach) {
        parent++;
        ordinal = 0;
        kind = 0;
        continue;
      }
      const ev: ScheduledEvent = { event: kinds[kind] as EventName, step: ordinal };
      if (++kind >= kinds.length) {
        kind = 0;
        ordinal++;
      }
      return [...p.events, ev];
    }
  }

  return {
    name: 'exhaustive',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(r: RunResult, scenarioSeed: number): void {
      seed = scenarioSeed;
      level = [{ events: [], reach: r.counted }];
      nextLevel = [];
      parent = 0;
      ordinal = 0;
      kind = 0;
      running.clear();
      skipped = 0;
      maxReach = r.counted;
      complete = false;
    },
    plan(i: number): PlannedRun | null {
      const events = nextPlacement();
      if (events === null) return null;
      running.set(i, events);
      return { seed, plan: new SchedulePlan({ seed, windows: o.windows ?? [], events, choices: [] }) };
    },
    observe(i: number, r: RunResult): void {
      const events = running.get(i);
      running.delete(i);
      if (events === undefined) return;
      if (r.fired.length < events.length) skipped++;
      if (!r.ok) return; // a failing placement's extensions are not smaller failures
      if (r.counted > maxReach) maxReach = r.counted;
      if (events.length < bound) nextLevel.push({ events, reach: r.counted });
    },
    stats(runs: number): Record<string, number | string> {
      return { bound, kinds: kinds.join(','), placements: runs, skipped, maxReach, complete: complete ? 'yes' : 'no: the run budget ended it' };
    },
  };
}
