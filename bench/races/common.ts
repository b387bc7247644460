/**
 * Shared pieces of the race benchmark programs (bench/races/): the options every
 * program takes, the catalog entry type, and `raceScenario`, which turns a state
 * factory, a main thread and a judge into a Scenario with the machine every program
 * uses (a 1 ms quantum, so the untested schedule never preempts a thread and the bug
 * stays hidden; one M:N process with activations on `vcpus` vCPUs).
 *
 * Conventions of the programs:
 *  - all state is made by `init()`, which `setup()` calls once per run;
 *  - every shared read and every shared write is its own instruction: the access is in
 *    the JavaScript of one step and a `yield* step()` ends that step, so an interrupt
 *    can land between a read and the write that depends on it;
 *  - bookkeeping that only the judge reads (counts of entries, uses, inits: ghost
 *    state, not the program's) is updated in one step, so it never races itself;
 *  - threads record what went wrong in `s.errors` (an assert that does not throw), and
 *    the judge names the first error, else the program's end-state invariant.
 */
import { join, spawn, step } from '../../src/index';
import type { Code, Machine, Report, Thread } from '../../src/index';
import type { Scenario } from '../../src/testing/index';

export interface RaceOptions {
  readonly vcpus: 1 | 2 | 4;
  /** The corrected program: right under every schedule. Default false (the planted bug). */
  readonly fixed?: boolean;
  readonly seed?: number;
}

export interface RaceProgram {
  readonly id: string;
  readonly title: string;
  /** Preemptions (switches at non-blocking points) the bug needs at least; reasoned in programs.ts. */
  readonly preemptions: number;
  readonly make: (o: RaceOptions) => Scenario;
  /** The bug needs two threads running at once: on 1 vCPU the program is correct. */
  readonly multiVcpuOnly?: boolean;
}

/** State every program has: the violations its threads saw. */
export interface Errors {
  readonly errors: string[];
}

/**
 * A scenario over fresh state per run. `main(s)` is the process's main thread;
 * `judge(s, r)` names what broke (undefined: nothing), after the errors the threads
 * recorded themselves.
 */
export function raceScenario<S extends Errors>(
  name: string,
  o: RaceOptions,
  init: () => S,
  main: (s: S) => Code<unknown>,
  judge: (s: S, r: Report) => string | undefined,
): Scenario {
  let state: S | null = null;
  return {
    name: `${name}${o.fixed === true ? ' (fixed)' : ''}, ${o.vcpus} vCPU${o.vcpus === 1 ? '' : 's'}`,
    machine: { cpus: o.vcpus, seed: o.seed ?? 1, costs: { quantum: 1_000_000 } },
    setup(m: Machine): void {
      const s = init();
      state = s;
      m.process({ vcpus: o.vcpus }, function* raceMain(): Code<unknown> {
        return yield* main(s);
      });
    },
    check(r: Report): boolean | string {
      const s = state;
      if (s === null) return 'setup never ran';
      const first = s.errors[0];
      if (first !== undefined) return s.errors.length === 1 ? first : `${first} (and ${s.errors.length - 1} more)`;
      return judge(s, r) ?? true;
    },
  };
}

/** Spawn every body in order, then join them all in the same order; returns their results. */
export function* spawnJoin<T>(bodies: readonly (() => Code<T>)[]): Code<T[]> {
  const ts: Thread<T>[] = [];
  for (const b of bodies) ts.push(yield* spawn(b));
  const out: T[] = [];
  for (const t of ts) out.push(yield* join(t));
  return out;
}

/** `n` ordinary instructions (work between the racy accesses). */
export function* work(n: number): Code<void> {
  for (let i = 0; i < n; i++) yield* step();
}
