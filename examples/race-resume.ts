/**
 * The canonical race window of the dispatch protocol: resume clears the resume bit
 * before it jumps to the thread. With the kernel's PC-range check off
 * (`unsafeNoCritCheck`) an interrupt landed right after the clear saves the
 * half-finished resume as if it were the thread, and the thread is lost: the run ends
 * in a livelock. Landings after the context load are harmless, as on hardware (the
 * detection layers only record them here, `onViolation: 'record'`, so that a failure
 * is the corruption itself). Exhaustive exploration of the `resume` window, invariants
 * off, finds it with one interrupt and, with the check on, covers every placement and
 * finds nothing.
 *
 * Run it: npx tsx examples/race-resume.ts
 */
import { compute, join, spawn, yieldNow } from '../src/index';
import type { Code, Machine, Report } from '../src/index';
import type { Scenario } from '../src/testing/index';

function* worker(n: number, extra: number): Code<number> {
  let s = 0;
  for (let i = 0; i < 5; i++) {
    yield* compute(100 + extra);
    s += n;
    yield* yieldNow();
  }
  return s;
}

/**
 * Two workers that yield five times each on one CPU. Changes outside the window, for
 * tests that replay strings survive them: `extra` adds compute to each step of the
 * workers, `mainYields` makes main yield that often before it spawns them.
 */
export function resumeRace(o: { readonly unsafe?: boolean; readonly extra?: number; readonly mainYields?: number } = {}): Scenario {
  return {
    name: o.unsafe === true ? 'resume window, check off' : 'resume window, check on',
    machine: { cpus: 1, seed: 1, unsafeNoCritCheck: o.unsafe ?? false, onViolation: 'record', costs: { quantum: 50_000 }, livelockSteps: 20_000 },
    setup(m: Machine): void {
      m.process({}, function* main(): Code<number[]> {
        for (let i = 0; i < (o.mainYields ?? 0); i++) yield* yieldNow();
        const a = yield* spawn(worker, 1, o.extra ?? 0);
        const b = yield* spawn(worker, 2, o.extra ?? 0);
        return [yield* join(a), yield* join(b)];
      });
    },
    check: (r: Report) => JSON.stringify(r.processes[0]?.mainResult) === '[5,10]' || `main returned ${JSON.stringify(r.processes[0]?.mainResult)}`,
  };
}

async function main(): Promise<void> {
  const { explore, exhaustive, formatExplore } = await import('../src/testing/index');
  for (const unsafe of [true, false]) {
    const r = explore(resumeRace({ unsafe }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false });
    console.log(formatExplore(r));
    console.log(r.coverage.format(['resume']));
  }
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
