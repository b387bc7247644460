/**
 * The soak (issue 9): random programs x random schedules x every mapping variant x
 * several processes, one of them misbehaving (bench/fuzz/harness.ts's attacker), with
 * every step-level invariant checked (src/testing/invariants.ts). One run passes when
 *  1. run() returns a report and no invariant broke;
 *  2. each well-behaved process exited with its program's result;
 *  3. the attacker either exited or ended by a fault that names what it did.
 * Run i is a pure function of i: a failing run replays from its index.
 */
import fc from 'fast-check';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { CODE_BASE, USER_PC } from '../../kernel-sim/codemap';
import { INJECT_IRQ, INJECT_NONE, INJECT_PF, INJECT_REVOKE, rangeOf } from '../../kernel-sim/decisions';
import type { DecisionPoint, InjectKind } from '../../kernel-sim/decisions';
import type { Code, Machine, ProcessOptions, Report } from '../../src/index';
import { runScenario } from '../../src/testing/index';
import type { Plan, StepPoint } from '../../src/testing/index';
import type { TestDecisions } from '../../src/testing/index';
import type { Kernel } from '../../kernel-sim/kernel';
import { programArb, programScenario } from '../../test/src/testing/programs';
import type { Op } from '../../test/src/testing/programs';
import { faultNames, int, mix, plantAttacker, VARIANTS } from '../fuzz/harness';
import type { Attack } from '../fuzz/harness';

export interface SoakRun {
  readonly index: number;
  readonly variants: readonly string[];
  readonly attack: Attack;
  readonly ok: boolean;
  /** Why it failed (null: it passed). */
  readonly why: string | null;
  readonly instructions: number;
  readonly injected: number;
}

/** Events land before a counted instruction with probability 1/rate; every choice is drawn too. */
class SoakPlan implements Plan {
  private last = -1;
  private inARow = 0;

  private kernel: Kernel | null = null;

  constructor(private readonly g: RandomGenerator, private readonly rate: number) {}

  bind(d: TestDecisions): void {
    this.kernel = d.kernel;
  }

  /** Is the CPU running thread code enabled, outside the critical range (where a real page fault could be taken and delivered)? */
  private faultable(cpu: number, pc: number): boolean {
    const k = this.kernel;
    const c = k?.cpus[cpu];
    const d = c === undefined ? undefined : k?.dcbs[c.dcbIndex];
    if (d === undefined || !(pc >= USER_PC && pc < CODE_BASE)) return false;
    const s = d.shared;
    return s.disabled === 0 && !(s.critLow <= pc && pc < s.critHigh);
  }

  step(at: StepPoint): InjectKind {
    if (at.ordinal !== this.last) this.inARow = 0;
    if (this.inARow >= 3 || int(this.g, 0, this.rate - 1) !== 0) return INJECT_NONE;
    const k = ([INJECT_IRQ, INJECT_PF, INJECT_REVOKE] as const)[int(this.g, 0, 2)] as InjectKind;
    if (k === INJECT_REVOKE && !at.canRevoke()) return INJECT_NONE;
    // A page fault happens where thread code touches memory; dispatcher code and data
    // stay mapped (a fault there is the process's own fatal error, not a schedule).
    if (k === INJECT_PF && !this.faultable(at.cpu, at.pc)) return INJECT_NONE;
    this.last = at.ordinal;
    this.inARow++;
    return k;
  }

  choose(point: DecisionPoint): number {
    return int(this.g, 0, rangeOf(point) - 1);
  }
}

/** The sum every thread of `program` returns (each returns its op count). */
function expected(program: readonly (readonly Op[])[]): number {
  return program.reduce((a, ops) => a + ops.length, 0);
}

/** Soak run `index`: two random programs under random mappings beside an attacker under a third, on a random schedule. */
export function soakOnce(index: number): SoakRun {
  const g = xoroshiro128plus(mix(index + 0x5eed));
  const programs = fc.sample(programArb, { seed: mix(index), numRuns: 2 });
  const variants = [0, 1, 2].map(() => VARIANTS[int(g, 0, VARIANTS.length - 1)] as [string, ProcessOptions]);
  let planted: ReturnType<typeof plantAttacker> | null = null;
  const names = ['p0', 'p1'];
  const scenario = {
    machine: { cpus: 3, seed: index + 1, maxSteps: 5_000_000, costs: { quantum: 20_000 } },
    setup(m: Machine): void {
      programs.forEach((prog, i) => {
        // Reuse the property suite's program body, under this run's mapping and name.
        const inner = programScenario(prog, { vcpus: 2, cs: 'prevent', policy: 'fifo', seed: 1 });
        const capture: Machine = { process: (_o: ProcessOptions, main: () => Code<unknown>) => m.process({ ...sanitize(variants[i]?.[1]), name: names[i] as string }, main) } as never;
        inner.setup(capture);
      });
      planted = plantAttacker(m, g, variants[2]?.[1] ?? {});
    },
  };
  const r = runScenario(scenario, { seed: index + 1, plan: new SoakPlan(g, 400), invariants: true });
  const attack = (planted as ReturnType<typeof plantAttacker> | null)?.attack() ?? { kind: 'opcode', op: 'none', at: 0 };
  const why = judge(r.report, r.error, programs, attack);
  return {
    index, variants: variants.map((v) => v[0]), attack, ok: why === null, why,
    instructions: r.report?.counts.instructions ?? 0, injected: r.report?.counts.injected ?? 0,
  };
}

/** The property suite's programs assume two vCPUs; N:1 has one, 1:1 makes its own. */
function sanitize(o: ProcessOptions | undefined): ProcessOptions {
  if (o === undefined) return {};
  return o.mapping === 'N:1' ? { ...o, vcpus: 1 } : o;
}

function judge(r: Report | null, error: unknown, programs: readonly (readonly (readonly Op[])[])[], attack: Attack): string | null {
  if (r === null) return `run() threw: ${error instanceof Error ? error.message : String(error)}`;
  if (r.outcome.kind === 'invariant') return `invariant ${r.outcome.breach.name}: ${r.outcome.breach.what} at ${r.outcome.breach.pc} (replay ${r.outcome.replay})`;
  if (r.outcome.kind === 'panic') return `panic: ${r.outcome.message}`;
  for (let i = 0; i < programs.length; i++) {
    const p = r.processes[i];
    const want = expected(programs[i] as readonly (readonly Op[])[]);
    if (p?.end.kind !== 'exited' || p.mainResult !== want) {
      return `process p${i} ended ${p?.end.kind ?? 'missing'} with ${String(p?.mainResult)}, expected ${want} (outcome ${r.outcome.kind}${p?.end.kind === 'fault' ? `: ${p.end.message}` : ''})`;
    }
  }
  const a = r.processes[programs.length];
  if (a?.end.kind === 'fault' && !faultNames(a.end, attack).named) return `the attacker's fault does not name ${JSON.stringify(attack)}: ${a.end.message}`;
  // Still running at the end is the attacker's own loss (a value copy-in must accept,
  // such as another routine as an entry point or a 0/1 in the critical range, can leave
  // it spinning or deadlocked); it is fine once the others finished, as they did here.
  if (a?.end.kind === 'running' && r.outcome.kind !== 'deadlock' && r.outcome.kind !== 'livelock') return `the attacker was still running at the end (outcome ${r.outcome.kind})`;
  return null;
}
