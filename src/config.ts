/**
 * Machine and process configuration: defaults and validation. Every bad value gets a
 * ConfigError naming the option path and the value.
 *
 * Invariants:
 *  1. resolveMachine/resolveProcess either return a complete, valid config or throw.
 *  2. Defaults are documented on the option types.
 */
import type { TraceOptions } from './trace/schema';
import { ConfigError } from '../kernel-sim/errors';
import { resolveCosts } from '../kernel-sim/costs';
import type { Costs, DaemonSpec } from '../kernel-sim/costs';
import { PRESETS } from '../kernel-sim/presets';
import type { Injection } from '../kernel-sim/probe';
import { DEFAULT_KEPT_THREAD_RECORDS } from '../runtime/uls';
import { INVARIANTS } from './testing/invariant-names';

export interface MachineOptions {
  /** Physical CPUs (1..256). Default 1. */
  readonly cpus?: number;
  /**
   * Cost preset: 'modern' (a present-day x86 server) or 'firefly' (the 6-processor CVAX
   * Firefly of Anderson et al., with its kernel's daemons). Default 'modern'.
   */
  readonly preset?: string;
  /** Overrides of individual primitive costs (ns). */
  readonly costs?: Partial<Costs>;
  /** Seed of the decision source. Default 1. */
  readonly seed?: number;
  /** Largest random delay added to each timer tick (ns). Default quantum / 8; 0 = fixed period. */
  readonly jitter?: number;
  /** TESTS ONLY: drop the PC-range half of the disabled predicate. Default false. */
  readonly unsafeNoCritCheck?: boolean;
  /** What a detection-layer 1/2 violation does. Default 'stop'. */
  readonly onViolation?: 'stop' | 'record';
  /** Record the trace events in the report (the hash is always computed). Default false. */
  readonly trace?: boolean;
  /**
   * Trace recording for timelines and exports (src/trace/schema.ts): true keeps the newest
   * 200,000 records in the report's `records`; options set the ring's size and stream each
   * record. Off by default, and free when off.
   */
  readonly record?: boolean | TraceOptions;
  /** Instruction limit. Default 100,000,000. */
  readonly maxSteps?: number;
  /** Simulated-time limit (ns). Default 1e15. */
  readonly maxTime?: number;
  /** Instructions without thread progress before a livelock is declared. Default 2,000,000. */
  readonly livelockSteps?: number;
  /** Interrupts to land at exact instructions, e.g. [{ at: 'resume+1', nth: 3 }]. */
  readonly inject?: readonly Injection[];
  /**
   * Kernel daemon threads: `count` of them (default: one per CPU), each taking a CPU for
   * `burst` ns every `period` ns, on an idle CPU when there is one, else preempting what
   * runs on its last CPU. false: none. Default: the preset's (firefly has daemons, modern none).
   */
  readonly daemons?: { readonly count?: number; readonly period: number; readonly burst: number } | false;
  /** Check the step-level invariants (src/testing/invariants.ts) after every instruction: all (true) or the named ones. Default false. */
  readonly invariants?: boolean | readonly string[];
  /**
   * Fair scheduling of spinners: a SpinLock waiter yields to its scheduler after
   * `spinLimit` failed attempts, and a CPU that spins 4 x spinLimit times in a row takes
   * a pause-loop exit (the kernel preempts it). `true` = { spinLimit: 64 }. Default off.
   */
  readonly fair?: boolean | { readonly spinLimit?: number };
  /**
   * Per process, how many released threads (exited, and joined or detached) keep their
   * record in the report: the first that many to be released. Later ones free all their
   * memory and are only counted (ProcessReport.threadRecords.dropped). Threads still
   * live or unjoined at the end are always listed. 0..Number.MAX_SAFE_INTEGER; default
   * 1,000.
   */
  readonly keepThreadRecords?: number;
}

export type PolicyOption = 'fifo' | 'lifo-steal';

export interface ProcessOptions {
  /** Name used in reports and traces. Default `p<index>`. */
  readonly name?: string;
  /** Virtual processors (dispatchers) of the process, 1..cpus. Default 1. */
  readonly vcpus?: number;
  /** Run-queue policy. Default 'fifo'. */
  readonly policy?: PolicyOption;
  /**
   * How green threads map onto kernel entities. Default 'M:N'.
   *  - 'M:N': the user-level scheduler over `vcpus` virtual processors;
   *  - 'N:1': the user-level scheduler over one kernel thread (vcpus must be 1);
   *  - '1:1': every green thread is a kernel thread on up to `vcpus` CPUs.
   */
  readonly mapping?: 'M:N' | 'N:1' | '1:1';
  /** M:N only: scheduler activations (upcalls) or plain kernel threads under the ULS. Default true. */
  readonly activations?: boolean;
  /** 1:1 only: every thread is a heavyweight process (an address-space switch on every switch). Default false. */
  readonly heavyweight?: boolean;
  /**
   * M:N with activations only: how critical sections of the user level (its spinlocks)
   * survive preemption. 'prevent': they run disabled and the kernel never upcalls inside
   * one; 'recover': they run enabled and an upcall continues a thread caught inside one
   * until it leaves (Anderson et al.); 'unsafeNone' (tests only): neither. Default 'prevent'.
   */
  readonly criticalSections?: 'prevent' | 'recover' | 'unsafeNone';
  /** Kernel-managed memory: a resident-set limit in pages with LRU replacement; faults are disk reads. Default: none (a user-level pager maps pages on first touch). */
  readonly memory?: { readonly residentPages: number };
  /** Size of the process's activation pool (vessels for threads blocked in the kernel). Default 64. */
  readonly maxActivations?: number;
  /**
   * What a thread's uncaught error ends. 'process' (the default): the process, whose
   * report end is a fault with a ThreadCrashError (the thrown value as its cause); the
   * other processes go on. 'thread': only the thread, which exits with the error; a
   * joiner's join throws the ThreadCrashError, and the report lists it on the thread.
   */
  readonly onThreadError?: 'process' | 'thread';
}

export interface ResolvedMachine {
  readonly cpus: number;
  readonly costs: Costs;
  readonly seed: number;
  readonly jitter: number;
  readonly unsafeNoCritCheck: boolean;
  readonly onViolation: 'stop' | 'record';
  readonly trace: boolean;
  readonly record: TraceOptions | null;
  readonly maxSteps: number;
  readonly maxTime: number;
  readonly livelockSteps: number;
  readonly inject: readonly Injection[];
  readonly daemons: DaemonSpec | null;
  /** The preset's name. */
  readonly preset: string;
  /** The step-level invariants to check (empty: none). */
  readonly invariants: readonly string[];
  /** Failed acquires before a SpinLock waiter yields (Infinity: not fair). */
  readonly spinLimit: number;
  /** Released threads per process whose report records are kept. */
  readonly keepThreadRecords: number;
}

const MACHINE_KEYS = ['cpus', 'preset', 'costs', 'seed', 'jitter', 'unsafeNoCritCheck', 'onViolation', 'trace', 'record', 'maxSteps', 'maxTime', 'livelockSteps', 'inject', 'daemons', 'invariants', 'fair', 'keepThreadRecords'];
const PROCESS_KEYS = ['name', 'vcpus', 'policy', 'mapping', 'activations', 'heavyweight', 'criticalSections', 'memory', 'maxActivations', 'onThreadError'];

export function resolveMachine(o: MachineOptions): ResolvedMachine {
  if (o === null || typeof o !== 'object') throw new ConfigError(`Machine: options must be an object, got ${String(o)}`);
  unknownKeys('Machine', o, MACHINE_KEYS);
  const cpus = int('Machine.cpus', o.cpus ?? 1, 1, 256);
  const presetName = o.preset ?? 'modern';
  const preset = PRESETS[presetName];
  if (preset === undefined) throw new ConfigError(`Machine.preset: unknown cost preset '${String(presetName)}' (known: ${Object.keys(PRESETS).join(', ')})`);
  const costs = resolveCosts(preset.costs, o.costs ?? {});
  const seed = int('Machine.seed', o.seed ?? 1, -(2 ** 31), 2 ** 31 - 1);
  const jitter = int('Machine.jitter', o.jitter ?? Math.floor(costs.quantum / 8), 0, costs.quantum);
  const onViolation = o.onViolation ?? 'stop';
  if (onViolation !== 'stop' && onViolation !== 'record') throw new ConfigError(`Machine.onViolation: must be 'stop' or 'record', got ${String(onViolation)}`);
  return {
    cpus, costs, seed, jitter, onViolation, preset: presetName,
    unsafeNoCritCheck: bool('Machine.unsafeNoCritCheck', o.unsafeNoCritCheck ?? false),
    trace: bool('Machine.trace', o.trace ?? false),
    record: recordOptions(o.record),
    maxSteps: int('Machine.maxSteps', o.maxSteps ?? 100_000_000, 1, Number.MAX_SAFE_INTEGER),
    maxTime: int('Machine.maxTime', o.maxTime ?? 1e15, 1, Number.MAX_SAFE_INTEGER),
    livelockSteps: int('Machine.livelockSteps', o.livelockSteps ?? 2_000_000, 1, Number.MAX_SAFE_INTEGER),
    inject: injections(o.inject ?? [], cpus),
    daemons: daemonSpec(o.daemons, preset.daemons, cpus),
    invariants: invariantNames(o.invariants),
    spinLimit: fairness(o.fair),
    keepThreadRecords: int('Machine.keepThreadRecords', o.keepThreadRecords ?? DEFAULT_KEPT_THREAD_RECORDS, 0, Number.MAX_SAFE_INTEGER),
  };
}

function daemonSpec(v: MachineOptions['daemons'], preset: DaemonSpec | null, cpus: number): DaemonSpec | null {
  if (v === false) return null;
  if (v === undefined) return preset;
  if (v === null || typeof v !== 'object') throw new ConfigError(`Machine.daemons: must be { count?, period, burst } or false, got ${String(v)}`);
  unknownKeys('Machine.daemons', v, ['count', 'period', 'burst']);
  return {
    count: int('Machine.daemons.count', v.count ?? cpus, 1, 1024),
    period: int('Machine.daemons.period', v.period, 1, Number.MAX_SAFE_INTEGER),
    burst: int('Machine.daemons.burst', v.burst, 0, Number.MAX_SAFE_INTEGER),
  };
}

function invariantNames(v: MachineOptions['invariants']): readonly string[] {
  if (v === undefined || v === false) return [];
  if (v === true) return INVARIANTS;
  if (!Array.isArray(v)) throw new ConfigError(`Machine.invariants: must be a boolean or a list of invariant names, got ${String(v)}`);
  for (const n of v) {
    if (!INVARIANTS.includes(n as string)) throw new ConfigError(`Machine.invariants: unknown invariant '${String(n)}' (known: ${INVARIANTS.join(', ')})`);
  }
  return v;
}

function fairness(f: MachineOptions['fair']): number {
  if (f === undefined || f === false) return Infinity;
  if (f === true) return 64;
  if (f === null || typeof f !== 'object') throw new ConfigError(`Machine.fair: must be a boolean or { spinLimit }, got ${String(f)}`);
  unknownKeys('Machine.fair', f, ['spinLimit']);
  return int('Machine.fair.spinLimit', f.spinLimit ?? 64, 1, 1_000_000);
}

/** The resolved mapping: which runtime and kernel entities a process uses. */
export type ResolvedMapping = 'M:N+SA' | 'M:N' | 'N:1' | '1:1';

export interface ResolvedProcess {
  readonly name: string;
  readonly mapping: ResolvedMapping;
  readonly heavyweight: boolean;
  readonly vcpus: number;
  readonly policy: PolicyOption;
  readonly residentPages: number | null;
  readonly maxActivations: number;
  readonly criticalSections: 'prevent' | 'recover' | 'unsafeNone';
  readonly onThreadError: 'process' | 'thread';
}

export function resolveProcess(o: ProcessOptions, index: number, cpus: number): ResolvedProcess {
  if (o === null || typeof o !== 'object') throw new ConfigError(`process: options must be an object, got ${String(o)}`);
  const name = o.name ?? `p${index}`;
  const where = `process '${name}'`;
  unknownKeys(where, o, PROCESS_KEYS);
  if (typeof name !== 'string' || name.length === 0) throw new ConfigError(`${where}.name: must be a non-empty string`);
  const vcpus = int(`${where}.vcpus`, o.vcpus ?? 1, 1, Number.MAX_SAFE_INTEGER);
  if (vcpus > cpus) throw new ConfigError(`${where}.vcpus: ${vcpus} vCPUs exceed the machine's ${cpus} CPU(s)`);
  const policy = o.policy ?? 'fifo';
  if (policy !== 'fifo' && policy !== 'lifo-steal') throw new ConfigError(`${where}.policy: unknown policy '${String(policy)}' (known: fifo, lifo-steal)`);
  const m = o.mapping ?? 'M:N';
  if (m !== 'M:N' && m !== 'N:1' && m !== '1:1') throw new ConfigError(`${where}.mapping: unknown mapping '${String(m)}' (known: 'M:N', 'N:1', '1:1')`);
  if (o.activations !== undefined && m !== 'M:N') throw new ConfigError(`${where}.activations: only an 'M:N' mapping chooses activations (this one is '${m}')`);
  const activations = bool(`${where}.activations`, o.activations ?? true);
  if (m === 'N:1' && vcpus !== 1) throw new ConfigError(`${where}.vcpus: an 'N:1' process has exactly one kernel thread, got vcpus ${vcpus}`);
  if (o.heavyweight !== undefined && m !== '1:1') throw new ConfigError(`${where}.heavyweight: only a '1:1' process can be heavyweight`);
  const heavyweight = bool(`${where}.heavyweight`, o.heavyweight ?? false);
  const mapping: ResolvedMapping = m === 'M:N' ? (activations ? 'M:N+SA' : 'M:N') : m;
  let residentPages: number | null = null;
  if (o.memory !== undefined) {
    if (o.memory === null || typeof o.memory !== 'object') throw new ConfigError(`${where}.memory: must be { residentPages }`);
    residentPages = int(`${where}.memory.residentPages`, o.memory.residentPages, 1, Number.MAX_SAFE_INTEGER);
  }
  const maxActivations = int(`${where}.maxActivations`, o.maxActivations ?? 64, vcpus + 1, 1_000_000);
  const cs = o.criticalSections ?? 'prevent';
  if (cs !== 'prevent' && cs !== 'recover' && cs !== 'unsafeNone') throw new ConfigError(`${where}.criticalSections: must be 'prevent', 'recover' or 'unsafeNone', got ${String(cs)}`);
  if (o.criticalSections !== undefined && mapping !== 'M:N+SA') throw new ConfigError(`${where}.criticalSections: only M:N with activations upcalls, so only it chooses (this one is '${mapping}')`);
  const onThreadError = o.onThreadError ?? 'process';
  if (onThreadError !== 'process' && onThreadError !== 'thread') throw new ConfigError(`${where}.onThreadError: must be 'process' or 'thread', got ${String(onThreadError)}`);
  return { name, mapping, heavyweight, vcpus, policy, residentPages, maxActivations, criticalSections: cs, onThreadError };
}

function injections(v: unknown, cpus: number): readonly Injection[] {
  if (!Array.isArray(v)) throw new ConfigError(`Machine.inject: must be an array of { at, cpu?, nth? }, got ${String(v)}`);
  v.forEach((x: unknown, i) => {
    if (x === null || typeof x !== 'object' || typeof (x as Injection).at !== 'string') {
      throw new ConfigError(`Machine.inject[${i}]: must be an object with a string 'at' (e.g. 'resume+1')`);
    }
    const c = (x as Injection).cpu;
    if (c !== undefined) int(`Machine.inject[${i}].cpu`, c, 0, cpus - 1);
  });
  return v as readonly Injection[];
}

function int(path: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(`${path}: must be an integer, got ${String(v)}`);
  if (v < lo || v > hi) throw new ConfigError(`${path}: must be between ${lo} and ${hi}, got ${v}`);
  return v;
}

function bool(path: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new ConfigError(`${path}: must be a boolean, got ${String(v)}`);
  return v;
}

function unknownKeys(where: string, o: object, known: readonly string[]): void {
  for (const k of Object.keys(o)) {
    if (!known.includes(k)) throw new ConfigError(`${where}: unknown option '${k}' (known: ${known.join(', ')})`);
  }
}

/** MachineOptions.record: false/undefined = off, true = defaults, or checked options. */
function recordOptions(v: unknown): TraceOptions | null {
  if (v === undefined || v === false) return null;
  if (v === true) return {};
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`Machine.record: true, false or { limit, onRecord }, got ${String(v)}`);
  for (const key of Object.keys(v)) if (key !== 'limit' && key !== 'onRecord') throw new ConfigError(`Machine.record: unknown option '${key}' (known: limit, onRecord)`);
  const o = v as TraceOptions;
  if (o.limit !== undefined) int('Machine.record.limit', o.limit, 1, Number.MAX_SAFE_INTEGER);
  if (o.onRecord !== undefined && typeof o.onRecord !== 'function') throw new ConfigError(`Machine.record.onRecord: must be a function, got ${typeof o.onRecord}`);
  return o;
}
