/**
 * pct: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010) adapted to a
 * machine whose scheduling choices are CPU order and event placement. Each run gives
 * the n CPUs that run the program random distinct priorities d..d+n-1 (a tie goes to
 * the highest), and draws d-1 change points uniformly from the k counted instructions;
 * at change point j an event lands on the CPU about to run (the preemption: on one CPU
 * the user-level scheduler then switches threads) and that CPU's priority drops to j.
 *
 * A bug that needs d-1 events of particular kinds at particular counted instructions,
 * and a particular CPU first at the ties that matter, is found by one run with
 * probability at least 1/(n*(m*k)^(d-1)), m being the number of event kinds drawn from
 * (1 for interrupts only: the paper's 1/(n*k^(d-1))); r runs all miss it with
 * probability at most (1 - that)^r. Here n counts CPUs, the entities whose order PCT
 * randomizes: which thread runs after an event is the user-level scheduler's choice, not
 * a random one. stats() prints n, k, d, m and the bound for the exploration's own figures.
 *
 * Invariants:
 *  1. k is the largest count of counted instructions of a run that passed (the
 *     baseline's first; it only grows, as in Coyote's variant): a failing run may loop
 *     forever inside a window and says nothing about where change points belong. n is
 *     the most CPUs seen running the program.
 *  2. Change points are distinct; run i's draws depend only on (seed, i, k, n).
 */
import { INJECT_NONE } from '../../../kernel-sim/decisions';
import type { DecisionPoint, InjectKind } from '../../../kernel-sim/decisions';
import { Rng } from '../../../kernel-sim/rng';
import type { Plan, StepPoint } from '../decider';
import { INJECT_OF } from '../decider';
import type { EventName } from '../replay';
import type { RunResult } from '../scenario';
import { kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface PctOptions {
  /** Bug depth d (default 2: one change point). */
  readonly depth?: number;
  readonly kinds?: readonly EventName[];
  /** Strategy seed (default: the scenario's). */
  readonly seed?: number;
  readonly windows?: readonly string[];
}

class PctPlan implements Plan {
  private next = 0;

  constructor(
    private readonly points: readonly number[],
    private readonly prio: number[],
    private readonly rng: Rng,
    private readonly kinds: readonly EventName[],
  ) {}

  step(at: StepPoint): InjectKind {
    if (at.ordinal === 0 || this.next >= this.points.length || this.points[this.next] !== at.ordinal) return INJECT_NONE;
    this.next++;
    if (at.cpu < this.prio.length) this.prio[at.cpu] = this.next; // below every initial priority
    let k = this.kinds[this.rng.int(0, this.kinds.length - 1)] as EventName;
    if (k === 'rv' && !at.canRevoke()) k = 'irq';
    return INJECT_OF[k];
  }

  choose(point: DecisionPoint): number {
    if (point.kind !== 'tie') return -1;
    let best = 0;
    for (let i = 1; i < point.cpus.length; i++) {
      if ((this.prio[point.cpus[i] as number] ?? 0) > (this.prio[point.cpus[best] as number] ?? 0)) best = i;
    }
    return best;
  }
}

/** Per-run probability bound 1/(n*(m*k)^(d-1)) (m event kinds) and the miss bound for r runs. */
export function pctBound(n: number, k: number, d: number, runs: number, m = 1): { perRun: number; miss: number } {
  const perRun = 1 / (Math.max(1, n) * (Math.max(1, m) * Math.max(1, k)) ** (d - 1));
  return { perRun, miss: (1 - perRun) ** runs };
}

export function pct(o: PctOptions = {}): Strategy {
  const d = positiveInt('pct.depth', o.depth, 2);
  const kinds = kindsOf(o.kinds, 'pct.kinds');
  let seed = o.seed ?? 1;
  let k = 1;
  let n = 1;
  let cpus = 1;
  let threads = 0;
  return {
    name: 'pct',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(r: RunResult, scenarioSeed: number): void {
      if (o.seed === undefined) seed = scenarioSeed;
      k = Math.max(1, r.counted);
      n = r.cpusUsed;
      cpus = r.machineCpus;
      threads = r.threads;
    },
    plan(i: number): PlannedRun {
      const rng = new Rng((seed * 7_919 + i * 1_000_003) | 0);
      const points = new Set<number>();
      const want = Math.min(d - 1, k);
      while (points.size < want) points.add(rng.int(1, k));
      // initial priorities d..d+n-1, a random permutation over the CPUs
      const prio = Array.from({ length: cpus }, (_, c) => d + c);
      for (let j = prio.length - 1; j > 0; j--) {
        const x = rng.int(0, j);
        [prio[j], prio[x]] = [prio[x] as number, prio[j] as number];
      }
      return { seed, plan: new PctPlan([...points].sort((a, b) => a - b), prio, rng, kinds) };
    },
    observe(_i: number, r: RunResult): void {
      if (r.ok && r.counted > k) k = r.counted;
      if (r.cpusUsed > n) n = r.cpusUsed;
      if (r.threads > threads) threads = r.threads;
    },
    stats(runs: number, failures: number): Record<string, number | string> {
      const b = pctBound(n, k, d, runs, kinds.length);
      return { n, k, d, m: kinds.length, threads, perRunBound: b.perRun, missBound: b.miss, hitRate: runs === 0 ? 0 : failures / runs };
    },
  };
}
