/**
 * exhaustive: iterative context bounding (Musuvathi and Qadeer, PLDI 2007, as in CHESS)
 * over two kinds of decision: events landed before counted instructions (interrupts,
 * page faults, revocations, stalls) and picks of the next thread at the user-level
 * scheduler. A schedule's cost is
 *  - `preemption`: one per event; a pick is free, since it happens where
 *    the running thread stopped by itself (a yield, a block, an exit) or right after an
 *    event already paid for;
 *  - `delay` (the default; Emmi, Qadeer and Rakamaric, POPL 2011): one per event, and j for a pick
 *    that takes the j-th thread after the policy's own choice.
 * Schedules run in order of cost, smallest first, up to `bound` (default none: the run
 * budget ends the search, CHESS's iterative deepening); within a cost, in order of
 * discovery. A schedule's children add one decision after its last one, at a
 * point its own run reached (an event at or after the last event's ordinal, a pick later
 * than its last pick). stats() prints the cost being explored and how many schedules
 * wait at the next cost.
 *
 * No partial-order reduction: schedules that differ only in the order of independent
 * steps all run (sound, not minimal); distinctSchedules in the result counts trace hashes.
 *
 * Invariants:
 *  1. Schedules run in order of cost, then of discovery: the first failure found has the
 *     smallest cost, and within it the fewest, earliest decisions.
 *  2. Each schedule runs once; only passing ones are extended. `complete` says whether
 *     every schedule within the bound ran, or what stopped it.
 *  3. baseline() starts afresh: a strategy object may serve several explorations.
 */
import { ConfigError } from '../../../kernel-sim/errors';
import type { Choice } from '../decider';
import { SchedulePlan } from '../plans';
import type { ScheduledEvent } from '../plans';
import type { EventName } from '../replay';
import type { RunResult } from '../scenario';
import { checkOptions, defaultKinds, kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface ExhaustiveOptions {
  /** Largest cost explored (default: none, iterative: cost 0, 1, 2, ... until the run budget ends it). */
  readonly bound?: number;
  /** How a schedule's cost is counted (default 'delay': every deviation costs, so each cost level is finite and small). */
  readonly mode?: 'preemption' | 'delay';
  /** Event kinds (default interrupts, and stalls on several CPUs). */
  readonly kinds?: readonly EventName[];
  /** Also vary picks of the next thread (default: when the strategy names no windows; picks happen outside any window). */
  readonly picks?: boolean;
  readonly windows?: readonly string[];
}

const OPTIONS = ['bound', 'mode', 'kinds', 'picks', 'windows'];
/** Stall lengths tried (instructions of the other CPUs). */
const STALLS = [8, 200];

interface Node {
  readonly events: readonly ScheduledEvent[];
  readonly choices: readonly Choice[];
  readonly cost: number;
  /** Ordinal of its last event (0: none) and nth of its last pick (0: none). */
  readonly lastStep: number;
  readonly lastPick: number;
}

export function exhaustive(o: ExhaustiveOptions = {}): Strategy {
  checkOptions('exhaustive', o, OPTIONS);
  const bound = o.bound === undefined ? Infinity : positiveInt('exhaustive.bound', o.bound, 1);
  const mode = o.mode ?? 'delay';
  if (mode !== 'preemption' && mode !== 'delay') throw new ConfigError(`exhaustive.mode: 'preemption' or 'delay', got ${String(o.mode)}`);
  const chosen = kindsOf(o.kinds, 'exhaustive.kinds');
  const withPicks = o.picks ?? o.windows === undefined;
  let kinds = defaultKinds(chosen, 1);
  let seed = 1;
  /** Schedules waiting to run, by cost. */
  let queues: Node[][] = [];
  let cost = 0;
  const running = new Map<number, Node>();
  let skipped = 0;
  let maxReach = 0;
  let done = false;

  function push(n: Node): void {
    if (n.cost > bound) return;
    (queues[n.cost] ??= []).push(n);
  }

  /** The children of a passing schedule (invariant 1). */
  function expand(n: Node, r: RunResult): void {
    const from = Math.max(1, n.lastStep);
    for (let step = from; step <= r.counted; step++) {
      for (const ev of kinds) {
        const lens = ev === 'st' ? STALLS : [0];
        for (const len of lens) {
          const e: ScheduledEvent = ev === 'st' ? { event: ev, step, n: len } : { event: ev, step };
          push({ events: [...n.events, e], choices: n.choices, cost: n.cost + 1, lastStep: step, lastPick: n.lastPick });
        }
      }
    }
    if (!withPicks) return;
    r.picks.forEach((p, i) => {
      const nth = i + 1;
      if (nth <= n.lastPick || p.ordinal + 1 < n.lastStep) return;
      for (let a = 1; a < p.width; a++) {
        const c = mode === 'delay' ? a : 0;
        push({ events: n.events, choices: [...n.choices, { point: 'pick', nth, answer: a }], cost: n.cost + c, lastStep: n.lastStep, lastPick: nth });
      }
    });
  }

  function next(): Node | null {
    while (cost <= bound) {
      const n = queues[cost]?.shift();
      if (n !== undefined) return n;
      if (!queues.some((q, c) => c > cost && q.length > 0)) break; // nothing queued at any higher cost
      cost++;
    }
    done = true;
    return null;
  }

  return {
    name: 'exhaustive',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(r: RunResult, scenarioSeed: number): void {
      seed = scenarioSeed;
      kinds = defaultKinds(chosen, r.machineCpus);
      queues = [];
      cost = 0;
      running.clear();
      skipped = 0;
      maxReach = r.counted;
      done = false;
      expand({ events: [], choices: [], cost: 0, lastStep: 0, lastPick: 0 }, r);
    },
    plan(i: number): PlannedRun | null {
      const n = next();
      if (n === null) return null;
      running.set(i, n);
      return { seed, plan: new SchedulePlan({ seed, windows: o.windows ?? [], events: n.events, choices: n.choices }) };
    },
    observe(i: number, r: RunResult): void {
      const n = running.get(i);
      running.delete(i);
      if (n === undefined) return;
      if (r.fired.length < n.events.length) skipped++;
      if (!r.ok) return; // a failing schedule's extensions are not smaller failures
      if (r.counted > maxReach) maxReach = r.counted;
      expand(n, r);
    },
    stats(runs: number, _failures: number, ended?: 'done' | 'budget' | 'first-failure'): Record<string, number | string> {
      const waiting = (c: number): number => queues[c]?.length ?? 0;
      const complete = done && ended !== 'first-failure' ? 'yes'
        : ended === 'first-failure' ? 'no: stopped at the first failure' : 'no: the run budget ended it';
      return {
        bound: Number.isFinite(bound) ? bound : 'none', mode, kinds: kinds.join(','), picks: withPicks ? 'yes' : 'no', placements: runs, skipped, maxReach,
        cost: Math.min(cost, bound), waitingAtCost: waiting(cost), nextLevel: cost + 1 <= bound ? waiting(cost + 1) : 0, complete,
      };
    },
  };
}
