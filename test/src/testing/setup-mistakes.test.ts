/**
 * Setup mistakes are ConfigErrors naming the mistake, never reported bugs (issue 10):
 * a page fault landed where the point runs disabled, a window named after a routine,
 * program state built outside setup(), unknown strategy options, windows given twice and
 * different; and the end messages say what ended the exploration.
 */
import { describe, expect, it } from 'vitest';
import { bank } from '../../../examples/race-bank';
import { resumeRace } from '../../../examples/race-resume';
import { ConfigError, compute, enterWindow, leaveWindow, step } from '../../../src/index';
import type { Code, Machine } from '../../../src/index';
import { at, exhaustive, explore, formatExplore, pct, random, replay } from '../../../src/testing/index';
import type { Scenario } from '../../../src/testing/index';

describe('setup mistakes are ConfigErrors', () => {
  it('a replay string or `at` that lands a page fault in dispatcher code', () => {
    const s = resumeRace({ unsafe: false });
    expect(() => replay(s, 's1;pf@cpu0:sched+1')).toThrow(ConfigError);
    expect(() => replay(s, 's1;pf@cpu0:sched+1')).toThrow(/sched\+1 on cpu0: that point runs disabled/);
    expect(() => explore(s, { strategy: at(['pf@main:resume+1']), invariants: false })).toThrow(ConfigError);
  });

  it('strategies never land a page fault where the point is disabled: a correct program never faults', () => {
    const r = explore(bank({ locked: true }), { strategy: random({ kinds: ['pf', 'irq'], rate: 3 }), runs: 60 });
    expect(r.failures).toBe(0);
    expect(r.stats['events']).toBeGreaterThan(60);
  });

  it('a window named after a dispatcher routine', () => {
    const s: Scenario = {
      setup(m: Machine): void {
        m.process({}, function* main(): Code<void> {
          enterWindow('run');
          yield* step();
          leaveWindow('run');
        });
      },
    };
    expect(() => explore(s, { strategy: random(), runs: 3 })).toThrow(ConfigError);
    expect(() => explore(s, { strategy: random(), runs: 3 })).toThrow(/enterWindow: 'run' names a built-in window or a dispatcher routine/);
  });

  it('program state built outside setup() leaks across runs: the repeated baseline differs', () => {
    let runs = 0; // deliberately outside setup()
    const s: Scenario = {
      setup(m: Machine): void {
        m.process({}, function* main(): Code<number> {
          runs++;
          yield* compute(100 * Math.min(runs, 5));
          return runs;
        });
      },
      check: () => runs < 4 || `run ${runs}`,
    };
    expect(() => explore(s, { strategy: random({ rate: 10 }), runs: 10 })).toThrow(/program state leaked out of setup\(\)/);
  });

  it('unknown strategy and explore options, with a suggestion', () => {
    expect(() => pct({ dept: 3 } as never)).toThrow(ConfigError);
    expect(() => pct({ dept: 3 } as never)).toThrow(/unknown option 'dept' \(did you mean 'depth'\?\)/);
    expect(() => random({ rates: 3 } as never)).toThrow(/unknown option 'rates'/);
    expect(() => exhaustive({ bonud: 2 } as never)).toThrow(/unknown option 'bonud'/);
    expect(() => exhaustive({ mode: 'context' } as never)).toThrow(/exhaustive.mode/);
    expect(() => at([], { window: ['x'] } as never)).toThrow(/unknown option 'window'/);
    expect(() => explore(bank(), { strategy: random(), run: 5 } as never)).toThrow(/explore: unknown option 'run'/);
  });

  it('windows named by both the strategy and explore, and different', () => {
    expect(() => explore(bank(), { strategy: pct({ windows: ['check'] }), windows: ['resume'] })).toThrow(/conflicts with the strategy's windows \[check\]/);
    // the same windows twice is no conflict
    expect(explore(bank(), { strategy: pct({ windows: ['check'] }), windows: ['check'], runs: 2 }).runs).toBe(2);
  });
});

describe('end messages', () => {
  it('stopAtFirst: complete says the first failure stopped it, not the budget', () => {
    const r = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false, stopAtFirst: true });
    expect(r.ended).toBe('first-failure');
    expect(r.stats['complete']).toBe('no: stopped at the first failure');
    expect(formatExplore(r)).toMatch(/ended: stopped at the first failure \(stopAtFirst\)/);
  });

  it('a budget that ends the enumeration, and one that does not', () => {
    const short = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false, runs: 10 });
    expect(short.ended).toBe('budget');
    expect(short.stats['complete']).toBe('no: the run budget ended it');
    const all = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false });
    expect(all.ended).toBe('done');
    expect(all.stats['complete']).toBe('yes');
  });

  it('a failure already minimal says so; a shrunk one says from how many', () => {
    const r = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false, stopAtFirst: true });
    expect(formatExplore(r)).toMatch(/already minimal \(1 decision\(s\)/);
    const p = explore(bank(), { strategy: random({ rate: 3 }), runs: 50, stopAtFirst: true });
    expect(p.firstFailure).not.toBeNull();
    expect(formatExplore(p)).toMatch(/shrunk from \d+ to \d+ decision\(s\)|already minimal/);
  });
});

describe('the canonical resume-window results hold', () => {
  it('found exhaustively, shrunk to one event; 0 failures with the check on', () => {
    const off = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false });
    expect(off.failures).toBeGreaterThan(0);
    expect(off.shrunk?.events).toBe(1);
    expect(off.shrunk?.replay).toBe('s1;irq@main:resume+1');
    const on = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false });
    expect(on.failures).toBe(0);
    expect(on.stats['complete']).toBe('yes');
  });
});
