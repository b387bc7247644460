/**
 * pct: Probabilistic Concurrency Testing (Burckhardt, Kothari, Musuvathi and Nagarakatte,
 * ASPLOS 2010) over the program's threads. Each run gives every thread a random priority
 * when it is first seen (a random permutation of the threads, all above d), and draws d-1
 * change points from the k counted instructions (with repetition: several may fall on one
 * instruction). Then the highest-priority runnable thread runs:
 *  - every pick of the next thread takes the highest-priority ready one;
 *  - before an instruction of thread code, a ready thread of higher priority than the one
 *    about to run preempts it (an interrupt; the pick that follows takes it);
 *  - on several CPUs, a CPU whose thread has a lower priority than a thread running on
 *    another CPU is stalled until that one has run STALL instructions (then looked at again),
 *    so the threads run one at a time, in priority order; only in enabled thread code that
 *    holds no SpinLock (a stalled holder would livelock a spinning higher-priority thread);
 *  - at change point j the thread about to run drops to priority j (below every initial
 *    one) and is preempted.
 *
 * The paper's bound: a bug of depth d is found by one run with probability at least
 * 1/(n*k^(d-1)), n threads and k steps; r runs all miss it with probability at most
 * (1 - that)^r. It holds where the strategy controls who runs: one process whose threads
 * are user-level threads on scheduler activations (an interrupt reaches the scheduler, so
 * picks decide) on one CPU. Elsewhere stats() prints why it is not printed instead of a
 * number: under 1:1 the kernel picks threads; with several processes the kernel time-shares
 * them; without activations only yields and blocks switch threads; on several CPUs threads
 * also run in parallel (a bug that needs two threads at once is outside the model: the
 * two-vCPU flag protocol of bench/races is never found by PCT).
 *
 * Invariants:
 *  1. k is the largest count of counted instructions of thread code of a run that passed
 *     (the paper's steps are the threads' own; dispatcher code is counted instead only when
 *     the windows select no thread code, e.g. `resume`); it starts at the baseline's and
 *     only grows, as in Coyote's variant. n is the most threads a run created.
 *  2. Run i's draws depend only on (seed, i, k, n) and the run itself.
 *  3. A thread's priority is fixed by its path (the same thread in every run of one plan).
 */
import { INJECT_IRQ, INJECT_NONE, INJECT_STALL } from '../../../kernel-sim/decisions';
import type { DecisionPoint, InjectKind } from '../../../kernel-sim/decisions';
import { Rng } from '../../../kernel-sim/rng';
import type { Tcb } from '../../../runtime/tcb';
import type { Plan, StepPoint, TestDecisions } from '../decider';
import { INJECT_OF } from '../decider';
import type { EventName } from '../replay';
import type { RunResult } from '../scenario';
import { checkOptions, defaultKinds, kindsOf, positiveInt } from './strategy';
import type { PlannedRun, Strategy } from './strategy';

export interface PctOptions {
  /** Bug depth d (default 2: one change point). */
  readonly depth?: number;
  /** Event kinds at change points (default interrupts, and stalls on several CPUs). */
  readonly kinds?: readonly EventName[];
  /** Strategy seed (default: the scenario's). */
  readonly seed?: number;
  readonly windows?: readonly string[];
}

const OPTIONS = ['depth', 'kinds', 'seed', 'windows'];
/** How long a lower-priority CPU waits before it is looked at again. */
const STALL = 64;

class PctPlan implements Plan {
  private next = 0;
  private readonly prio = new Map<string, number>();
  private d: TestDecisions | null = null;

  constructor(
    private readonly points: readonly number[],
    private readonly depth: number,
    private readonly rng: Rng,
    private readonly kinds: readonly EventName[],
    /** Change points count thread-code instructions only (k is over them). */
    private readonly overUser: boolean,
  ) {}

  bind(d: TestDecisions): void {
    this.d = d;
  }

  /** Invariant 3: a fresh thread gets a random rank among those seen (a random permutation). */
  private priority(t: Tcb): number {
    const key = `${t.process}.${t.path ?? t.id}`;
    let p = this.prio.get(key);
    if (p === undefined) {
      p = this.depth + this.rng.int(0, 1 << 30);
      this.prio.set(key, p);
    }
    return p;
  }

  step(at: StepPoint): InjectKind {
    const tr = at.tracker;
    const t = tr.tcb ?? tr.forThread;
    const here = at.ordinal === 0 ? 0 : !this.overUser ? at.ordinal : tr.tcb === null || this.d === null ? 0 : this.d.userCounted + 1;
    if (here !== 0) {
      while (this.next < this.points.length && this.points[this.next] === here) {
        this.next++;
        if (t !== null) this.prio.set(`${t.process}.${t.path ?? t.id}`, this.next); // below every initial priority
        let k = this.kinds[this.rng.int(0, this.kinds.length - 1)] as EventName;
        if ((k === 'rv' && !at.canRevoke()) || (k === 'st' && !at.canStall()) || (k === 'pf' && !at.pfAllowed())) k = 'irq';
        return INJECT_OF[k];
      }
    }
    if (t === null) return INJECT_NONE;
    const mine = this.priority(t);
    // several CPUs: only the highest-priority running thread goes on
    const cpus = this.d === null ? 0 : this.d.kernel.cpus.length;
    // (never a CPU in dispatcher code, a critical section or holding a SpinLock: a thread
    // of higher priority may be spinning for what it holds, and holding it back would
    // livelock the machine, PCT's priority inversion)
    if (cpus > 1 && at.canStall() && at.pfAllowed() && t.locksHeld === 0) {
      for (let c = 0; c < cpus; c++) {
        if (c === at.cpu) continue;
        const o = tr.threadOn(c);
        if (o !== null && o !== t && this.priority(o) > mine) return INJECT_STALL;
      }
    }
    // a ready thread of higher priority preempts thread code
    if (tr.tcb !== null && tr.upcalls(tr.proc) && at.pfAllowed()) { // enabled thread code: the interrupt reaches the scheduler
      for (const r of tr.readyOf(tr.proc)) if (this.priority(r) > mine) return INJECT_IRQ;
    }
    return INJECT_NONE;
  }

  stallLength(): number {
    return STALL;
  }

  choose(point: DecisionPoint, _nth: number, d: TestDecisions): number {
    if (point.kind === 'pick') {
      let best = 0;
      let bp = -1;
      d.pickOrder.forEach((t, i) => {
        const p = this.priority(t);
        if (p > bp) {
          bp = p;
          best = i;
        }
      });
      return best;
    }
    return -1;
  }
}

/** Per-run probability bound 1/(n*k^(d-1)) and the miss bound for r runs. */
export function pctBound(n: number, k: number, d: number, runs: number): { perRun: number; miss: number } {
  const perRun = 1 / (Math.max(1, n) * Math.max(1, k) ** (d - 1));
  return { perRun, miss: (1 - perRun) ** runs };
}

export function pct(o: PctOptions = {}): Strategy {
  checkOptions('pct', o, OPTIONS);
  const d = positiveInt('pct.depth', o.depth, 2);
  const chosen = kindsOf(o.kinds, 'pct.kinds');
  let kinds = defaultKinds(chosen, 1);
  let seed = o.seed ?? 1;
  let k = 1;
  let n = 1;
  let unrealised: string | null = null;
  let overUser = false;
  return {
    name: 'pct',
    ...(o.windows === undefined ? {} : { windows: o.windows }),
    baseline(r: RunResult, scenarioSeed: number): void {
      if (o.seed === undefined) seed = scenarioSeed;
      overUser = r.userCounted > 0;
      k = Math.max(1, overUser ? r.userCounted : r.counted);
      n = Math.max(1, r.threads);
      kinds = defaultKinds(chosen, r.machineCpus);
      unrealised = r.oneToOne
        ? 'under 1:1 the kernel, not the strategy, picks which thread runs'
        : r.processes > 1 ? 'with several processes the kernel time-shares them beyond the strategy\'s control'
          : !r.upcalls ? 'without scheduler activations an interrupt never reaches the user-level scheduler, so only yields and blocks switch threads'
            : r.machineCpus > 1 ? `on ${r.machineCpus} CPUs threads also run at the same time, outside PCT's model of one step at a time (stalls hold back only enabled thread code, so dispatcher code, critical sections and bugs that need true parallelism escape it)` : null;
    },
    plan(i: number): PlannedRun {
      const rng = new Rng((seed * 7_919 + i * 1_000_003) | 0);
      const points: number[] = [];
      for (let j = 0; j < Math.min(d - 1, k); j++) points.push(rng.int(1, k));
      points.sort((a, b) => a - b);
      return { seed, plan: new PctPlan(points, d, rng, kinds, overUser) };
    },
    observe(_i: number, r: RunResult): void {
      const steps = overUser ? r.userCounted : r.counted;
      if (r.ok && steps > k) k = steps;
      if (r.threads > n) n = r.threads;
    },
    stats(runs: number, failures: number): Record<string, number | string> {
      const base = { n, k, d, kinds: kinds.join(','), hitRate: runs === 0 ? 0 : failures / runs };
      if (unrealised !== null) return { ...base, bound: `not printed: ${unrealised}` };
      const b = pctBound(n, k, d, runs);
      return { ...base, perRunBound: b.perRun, missBound: b.miss };
    },
  };
}
