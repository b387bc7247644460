/**
 * The isolation fuzzer (issue 9): two processes on one machine, a well-behaved victim
 * and an attacker that, at a random instruction of its own, either writes a random value
 * into a random field of its own dispatcher's shared record (the memory a process can
 * write at will) or executes a bare instruction with random opcode and operands. A run
 * passes when
 *  1. run() returns a report (it throws nothing);
 *  2. the victim finishes with the right result;
 *  3. when the attacker ends by a fault, the fault names the field or the instruction
 *     it was given (its message or its cause's).
 * Everything is drawn from the run's seed (pure-rand), so a failing seed replays.
 */
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';
import type { RandomGenerator } from 'pure-rand/types/RandomGenerator';
import { compute, join, Machine, Mutex, spawn, yieldNow } from '../../src/index';
import type { Code, MachineOptions, ProcessEnd, ProcessOptions, Report } from '../../src/index';
import { RUNNING, Stack } from '../../kernel-sim/abi';
import type { Cpu } from '../../kernel-sim/cpu';
import type { KernelObserver } from '../../kernel-sim/observer';
import { combineObservers } from '../../kernel-sim/observer';
import { MAPPINGS } from '../../test/mappings';

/** The mapping variants every law runs under (test/mappings.ts). */
export const VARIANTS = MAPPINGS;

/** Every field of DispatcherShared: the process can write all of them. */
export const FIELDS = [
  'disabled', 'haswork', 'critLow', 'critHigh', 'run', 'pagefault', 'pagefaultDisabled', 'trap', 'wakeup', 'seen',
  'udisp', 'deferPreempt', 'enabledArea', 'disabledArea', 'trapArea', 'systime', 'delivered', 'activation',
  'kthread', 'events', 'home', 'process', 'vcpu', 'name',
] as const;

export type Attack =
  | { readonly kind: 'field'; readonly field: string; readonly value: string; readonly at: number }
  | { readonly kind: 'opcode'; readonly op: string; readonly at: number };

export interface FuzzResult {
  readonly seed: number;
  readonly variant: string;
  readonly attack: Attack;
  /** Whether the attack happened (the attacker may have finished first). */
  readonly landed: boolean;
  /** What run() threw (must be null). */
  readonly threw: unknown;
  readonly victimOk: boolean;
  /** The attacker's end: 'exited', 'fault', or 'running' (stuck at the run's end). */
  readonly attackerEnd: string;
  /** Its fault's message with its cause's (empty when it did not fault). */
  readonly message: string;
  /** A fault that names the field or the instruction. */
  readonly named: boolean;
  readonly instructions: number;
  /** How the run ended, and its message for anything but a completion. */
  readonly outcome: string;
}

export const VICTIM_RESULT = 4 * 3;

/** Four workers taking a Mutex three times each: the victim's result is 12. */
export function* victim(): Code<number> {
  const mu = new Mutex('v');
  let n = 0;
  const ts = [];
  for (let i = 0; i < 4; i++) {
    ts.push(yield* spawn(function* part(): Code<void> {
      for (let j = 0; j < 3; j++) {
        yield* mu.lock();
        n++;
        yield* compute(2_000);
        yield* mu.unlock();
        yield* yieldNow();
      }
    }));
  }
  for (const t of ts) yield* join(t);
  return n;
}

/** Spread consecutive seeds apart (xoroshiro's first outputs from nearby seeds are alike). */
export function mix(seed: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export function int(g: RandomGenerator, lo: number, hi: number): number {
  return uniformInt(g, lo, hi);
}

/** A value for a field: garbage of every type, plus plausible lies (numbers in range, real routines, another process's context). */
function randomValue(g: RandomGenerator, m: Machine, now: unknown): [unknown, string] {
  const k = m.internals().kernel;
  const routines = k.code.list();
  const pick = int(g, 0, 17);
  switch (pick) {
    case 0: return [Number.NaN, 'NaN'];
    case 1: return [-int(g, 1, 1e9), 'a negative number'];
    case 2: return [Infinity, 'Infinity'];
    case 3: return [int(g, 2, 1e6), 'a large integer'];
    case 4: return [0.5, '0.5'];
    case 5: return ['1', 'the string "1"'];
    case 6: return [null, 'null'];
    case 7: return [undefined, 'undefined'];
    case 8: return [{}, 'an empty object'];
    case 9: return [[], 'an empty array'];
    case 10: return [Object.freeze({ kind: 'gen', stack: null, used: false, seq: 0, pendingOp: -1 }), 'a forged context'];
    case 11: return [{ kind: 'gen', stack: new Stack((function* () { /* empty */ })(), 1, routines[0] as never, 'forged'), used: false, seq: 0, pendingOp: -1 }, 'a context on a forged stack'];
    case 12: return [routines[int(g, 0, routines.length - 1)], 'a real routine'];
    case 13: return [true, 'true'];
    case 14: return [int(g, 0, 1), 'a 0/1 bit'];
    case 15: return [Symbol('x'), 'a symbol'];
    case 16: return [() => 1, 'a function'];
    default: return [now, 'its own value'];
  }
}

/** Operands and opcodes a hostile thread issues bare. */
function bareInstruction(g: RandomGenerator): [unknown, unknown[], string] {
  const ops: unknown[] = [int(g, 0, 14), int(g, 15, 99), -1, 1.5, Number.NaN, 'OP', null, {}];
  const op = ops[int(g, 0, ops.length - 1)];
  const regs: unknown[] = [];
  for (let i = 0; i < 3; i++) {
    const c = [undefined, int(g, -5, 5), Number.NaN, 'x', {}, null, () => 0, 1e18][int(g, 0, 7)];
    regs.push(c);
  }
  return [op, regs, `op ${String(op)}`];
}

/** A planted attacker: what it did (known once it happened) and whether it happened. */
export interface PlantedAttack {
  attack(): Attack;
  landed(): boolean;
}

/**
 * Add process `name` under `opts` to m: the well-behaved workload, plus one attack drawn
 * from g, either a field write at its `at`-th instruction (dispatcher code included) or
 * a hostile thread's bare instruction after `at` ns of compute.
 */
export function plantAttacker(m: Machine, g: RandomGenerator, opts: ProcessOptions, name = 'attacker'): PlantedAttack {
  const fieldAttack = int(g, 0, 1) === 0;
  const at = int(g, 1, 700);
  const id = m.internals().processes.length; // the kernel numbers processes in the order they are added
  let attack: Attack;
  let landed = false;
  if (fieldAttack) {
    const field = FIELDS[int(g, 0, FIELDS.length - 1)] as string;
    attack = { kind: 'field', field, value: '', at };
    let count = 0;
    const obs: KernelObserver = {
      afterStep(cpu: Cpu): void {
        if (landed) return;
        const d = m.internals().kernel.dcbs[cpu.dcbIndex];
        if (d === undefined || d.proc.id !== id || ++count < at) return;
        landed = true;
        const s = d.shared as unknown as Record<string, unknown>;
        const [v, what] = randomValue(g, m, s[field]);
        const getter = int(g, 0, 9) === 0; // a property whose read throws: the kernel must not touch it unguarded
        attack = { kind: 'field', field, value: getter ? 'a throwing getter' : what, at };
        try {
          if (getter) Object.defineProperty(s, field, { get: () => { throw new Error('hostile getter'); }, configurable: true });
          else s[field] = v;
        } catch {
          // the sealed record refused it (an accessor, a new field): the process tried
        }
      },
      landed: () => undefined,
      resumed: () => undefined,
      upcall: () => undefined,
    };
    m.process({ ...opts, name }, victim);
    const k = m.internals().kernel;
    k.observer = combineObservers(k.observer, obs);
  } else {
    const [op, regs, what] = bareInstruction(g);
    attack = { kind: 'opcode', op: what, at };
    m.process({ ...opts, name }, function* attacker(): Code<number> {
      const t = yield* spawn(function* hostile(): Code<void> {
        yield* compute(at);
        landed = true;
        const cpu = RUNNING.cpu as unknown as Record<string, unknown>;
        [cpu.a0, cpu.a1, cpu.a2] = regs;
        yield op as never;
        yield* compute(1_000);
      });
      const n = yield* victim();
      yield* join(t);
      return n;
    });
  }
  return { attack: () => attack, landed: () => landed };
}

/** Run one seeded attack: the attacker under VARIANTS[variant mod 6], the victim under VARIANTS[(variant div 6) mod 6]. */
export function fuzzOnce(seed: number, variant: number, extra: MachineOptions = {}): FuzzResult {
  const g = xoroshiro128plus(mix(seed));
  const [aname, vopts] = VARIANTS[variant % VARIANTS.length] as [string, ProcessOptions];
  const [victimName, victimOpts] = VARIANTS[Math.floor(variant / VARIANTS.length) % VARIANTS.length] as [string, ProcessOptions];
  const m = new Machine({ cpus: 3, seed, maxSteps: 3_000_000, ...extra });
  const planted = plantAttacker(m, g, vopts);
  m.process({ ...victimOpts, name: 'victim' }, victim);
  let report: Report | null = null;
  let threw: unknown = null;
  try {
    report = m.run();
  } catch (e) {
    threw = e;
  }
  return judge(seed, `${aname} beside ${victimName}`, planted.attack(), planted.landed(), report, threw);
}

/** Judge a run with an attacker named 'attacker' and a victim named 'victim'. */
function judge(seed: number, variant: string, attack: Attack, landed: boolean, r: Report | null, threw: unknown): FuzzResult {
  const v = r?.processes.find((p) => p.name === 'victim');
  const a = r?.processes.find((p) => p.name === 'attacker');
  const end = a?.end;
  const { message, named } = faultNames(end, attack);
  return {
    seed, variant, attack, landed, threw,
    victimOk: v !== undefined && v.end.kind === 'exited' && v.mainResult === VICTIM_RESULT,
    attackerEnd: end?.kind ?? 'missing', message, named,
    instructions: r?.counts.instructions ?? 0,
    outcome: r === null ? 'threw' : `${r.outcome.kind}${'message' in r.outcome ? `: ${r.outcome.message}` : ''}`,
  };
}

export interface FuzzSummary {
  readonly runs: number;
  readonly landed: number;
  readonly threw: number;
  readonly victimWrong: number;
  readonly attackerFaults: number;
  readonly faultsNamed: number;
  readonly attackerExited: number;
  readonly attackerStuck: number;
  readonly instructions: number;
  /** The first runs that broke a rule, for the report. */
  readonly bad: readonly FuzzResult[];
}

export function summarize(rs: readonly FuzzResult[]): FuzzSummary {
  const bad = rs.filter((x) => x.threw !== null || !x.victimOk || (x.attackerEnd === 'fault' && !x.named));
  return {
    runs: rs.length,
    landed: rs.filter((x) => x.landed).length,
    threw: rs.filter((x) => x.threw !== null).length,
    victimWrong: rs.filter((x) => !x.victimOk).length,
    attackerFaults: rs.filter((x) => x.attackerEnd === 'fault').length,
    faultsNamed: rs.filter((x) => x.named).length,
    attackerExited: rs.filter((x) => x.attackerEnd === 'exited').length,
    attackerStuck: rs.filter((x) => x.attackerEnd === 'running').length,
    instructions: rs.reduce((s, x) => s + x.instructions, 0),
    bad: bad.slice(0, 20),
  };
}

/** A process end's fault message (with its cause's), and whether it names what `attack` did. */
export function faultNames(end: ProcessEnd | undefined, attack: Attack): { message: string; named: boolean } {
  if (end?.kind !== 'fault') return { message: '', named: false };
  const cause = (end.error as { cause?: unknown }).cause;
  const message = `${end.message} | ${cause instanceof Error ? cause.message : String(cause)}`;
  const needle = attack.kind === 'field' ? attack.field : 'IllegalInstructionError|illegal-instruction|bad-operand';
  return { message, named: new RegExp(`\\b(${needle})\\b`).test(message) };
}
