/**
 * at: land events at named points, in one run: `irq@cpu0:resume+1#3`, `pf@T3:12`,
 * `rv@T2:check#1+0`, `pf@T3:page4` (the tokens of a replay string, without the seed).
 * The run's stats say which of them did not fire.
 *
 * Invariants:
 *  1. The tokens are parsed when the strategy is made (a ReplayError for a bad one).
 *  2. One run; a token that never fired is reported, not silently dropped.
 */
import { ReplayPlan } from '../plans';
import { parseReplay } from '../replay';
import type { Token } from '../replay';
import type { RunResult } from '../scenario';
import { checkOptions } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export function at(events: readonly string[], o: { readonly windows?: readonly string[] } = {}): Strategy {
  checkOptions('at', o, ['windows']);
  const tokens: Token[] = parseReplay(['s0', ...events].join(';')).slice(1);
  let seed = 1;
  let plan: ReplayPlan | null = null;
  let stale: string[] = [];
  return {
    name: 'at',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(_r: RunResult, scenarioSeed: number): void {
      seed = scenarioSeed;
      plan = null;
      stale = [];
    },
    plan(i: number): PlannedRun | null {
      if (i > 0) return null;
      plan = new ReplayPlan([{ kind: 'seed', seed }, ...tokens]);
      return { seed, plan };
    },
    observe(): void {
      stale = plan?.stale() ?? [];
    },
    stats(): Record<string, number | string> {
      return { events: tokens.length, notFired: stale.length === 0 ? 'none' : stale.join('; ') };
    },
  };
}
