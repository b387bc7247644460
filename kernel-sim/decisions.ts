/**
 * The decision source: every choice a run may vary is taken here, so a run is a pure
 * function of (program, configuration, seed, decisions). Race-testing strategies
 * (src/testing) plug in by implementing DecisionSource.
 *
 * Invariants:
 *  1. The simulator asks for a decision only at a DecisionPoint or, when the source
 *     has `beforeStep`, before an instruction; it never draws randomness elsewhere.
 *  2. Every point has a default answer that reproduces the untested machine: the
 *     lowest CPU on a tie, FIFO disk service, the allocator's own victim, no forced
 *     fault, nothing injected. Only timer jitter has no default: it comes from the
 *     seeded Rng, so the seed alone fixes it.
 *  3. An answer that is not an integer inside the point's range (NaN, Infinity, -1e9, a
 *     string) is a DecisionError naming the point, the answer and the range (decide());
 *     so is a beforeStep answer that is not an InjectKind (checkInject()). The machine
 *     never acts on it: a NaN delay would stall the clock, a negative one reverse it.
 */
import { DecisionError } from './errors';
import { Rng } from './rng';

export type DecisionPoint =
  /** Several CPUs are ready to step at the same simulated time; answer an index into `cpus`. */
  | { readonly kind: 'tie'; readonly cpus: readonly number[] }
  /** Extra delay in [0, max] ns added to the next timer tick of `cpu`. */
  | { readonly kind: 'jitter'; readonly cpu: number; readonly max: number }
  /** The disk head is free and `queued` (> 1) requests wait: answer which (0 = the oldest). */
  | { readonly kind: 'io'; readonly queued: number }
  /** The allocator must take a vCPU from `process`; answer an index into `vcpus` (default: the last). */
  | { readonly kind: 'victim'; readonly process: number; readonly vcpus: readonly number[] }
  /**
   * Thread code on `cpu` touches `page` (`retry`: again, after the page-in of its
   * fault). When the page is `resident`, 1 = it faults anyway (it was paged out just
   * before), 0 = a hit; a page that is not resident faults whatever the answer.
   */
  | { readonly kind: 'fault'; readonly cpu: number; readonly page: number; readonly resident: boolean; readonly retry: boolean }
  /**
   * The user-level scheduler of `process` on `vcpu` takes its next thread: answer an index
   * into `threads` (ids of the ready threads, in the policy's order; 0 = the policy's own
   * pick). Asked only of a source with `picks: true`, and only when there is a choice.
   */
  | { readonly kind: 'pick'; readonly process: number; readonly vcpu: number; readonly threads: readonly number[] }
  /** A stall landed on `cpu` (INJECT_STALL): for how many instructions of the other CPUs, 1..max. */
  | { readonly kind: 'stall'; readonly cpu: number; readonly max: number };

/** What beforeStep may land on a CPU before its next instruction. */
export const INJECT_NONE = 0;
/** An interrupt (as a timer tick would). */
export const INJECT_IRQ = 1;
/** A page fault taken at this instruction. */
export const INJECT_PF = 2;
/** The allocator revokes this CPU's vCPU (scheduler-activation processes; it comes back when it may). */
export const INJECT_REVOKE = 3;
/**
 * The CPU is held back (a stall: the hypervisor or a long cache miss took it) until the
 * other CPUs have run n instructions, n asked as a `stall` decision; it then goes on at
 * the time they reached. With no other CPU busy it goes on at once.
 */
export const INJECT_STALL = 4;
export type InjectKind = typeof INJECT_NONE | typeof INJECT_IRQ | typeof INJECT_PF | typeof INJECT_REVOKE | typeof INJECT_STALL;

export interface DecisionSource {
  decide(point: DecisionPoint): number;
  /**
   * Optional: asked before every instruction of every CPU (a source without it costs
   * the loop nothing). `pc` is the code-map address about to execute.
   */
  beforeStep?(cpu: number, pc: number): InjectKind;
  /** Optional: true to be asked `pick` decisions (which ready thread a vCPU runs next). */
  readonly picks?: boolean;
  /** Optional: the replay string of the decisions taken so far (for reports). */
  replayString?(): string;
}

export interface Decision {
  readonly point: DecisionPoint;
  readonly answer: number;
}

/** The default answer of a point (jitter excepted: it has none). */
export function defaultAnswer(point: DecisionPoint): number {
  switch (point.kind) {
    case 'tie':
    case 'io':
    case 'fault':
    case 'jitter':
    case 'pick':
      return 0;
    case 'stall':
      return 1;
    case 'victim':
      return point.vcpus.length - 1;
    default:
      return assertNever(point);
  }
}

/** Number of answers a point allows (answers are 0..range-1). */
export function rangeOf(point: DecisionPoint): number {
  switch (point.kind) {
    case 'tie':
      return point.cpus.length;
    case 'jitter':
      return point.max + 1;
    case 'io':
      return point.queued;
    case 'victim':
      return point.vcpus.length;
    case 'fault':
      return 2;
    case 'pick':
      return point.threads.length;
    case 'stall':
      return point.max + 1;
    default:
      return assertNever(point);
  }
}

/** Ask `src` and check the answer is in range (invariant 3). */
export function decide(src: DecisionSource, point: DecisionPoint): number {
  const a: unknown = src.decide(point);
  const n = rangeOf(point);
  if (typeof a !== 'number' || !Number.isInteger(a) || a < 0 || a >= n) {
    throw new DecisionError(`the decision source answered ${describe(a)} to a '${point.kind}' decision (${JSON.stringify(point)}); it must be an integer in [0, ${n - 1}]`);
  }
  return a;
}

/** Check a beforeStep answer (invariant 3). */
export function checkInject(a: unknown, cpu: number, pc: number): InjectKind {
  if (a === INJECT_NONE || a === INJECT_IRQ || a === INJECT_PF || a === INJECT_REVOKE || a === INJECT_STALL) return a;
  throw new DecisionError(`beforeStep(cpu ${cpu}, pc ${pc}) answered ${describe(a)}; it must be an InjectKind: 0 (none), 1 (interrupt), 2 (page fault), 3 (revocation) or 4 (stall)`);
}

function describe(a: unknown): string {
  return typeof a === 'string' ? JSON.stringify(a) : typeof a === 'bigint' ? `${a}n` : typeof a === 'object' && a !== null ? 'an object' : String(a);
}

/** Seeded default source with an optional record of the decisions it took. */
export class SeededDecisions implements DecisionSource {
  private readonly rng: Rng;
  readonly log: Decision[] = [];

  constructor(readonly seed: number, private readonly keepLog = false) {
    this.rng = new Rng(seed);
  }

  decide(point: DecisionPoint): number {
    const answer = point.kind === 'jitter' ? this.rng.int(0, point.max) : defaultAnswer(point);
    if (this.keepLog) this.log.push({ point, answer });
    return answer;
  }

  replayString(): string {
    return `s${this.seed}`;
  }
}

export function assertNever(x: never): never {
  throw new Error(`unreachable: ${JSON.stringify(x)}`);
}
