/**
 * The cost model: named primitive costs in simulated nanoseconds. Composite figures
 * (a thread switch, a null fork) are never written here; they emerge from running the
 * simulated code, which charges these primitives instruction by instruction.
 *
 * Invariants:
 *  1. Every cost is a finite integer >= 0 (instruction >= 1 so time always advances).
 *  2. A preset is complete; user overrides replace individual primitives only.
 */
import { ConfigError } from './errors';

export interface Costs {
  /** One ordinary instruction (ALU op, register move, plain load/store). */
  readonly instruction: number;
  /** Procedure call + return overhead (a library CALL). */
  readonly procedureCall: number;
  /** An atomic read-modify-write (test-and-set, CAS, fetch-and-add) on a shared line. */
  readonly atomic: number;
  /** User -> kernel crossing (syscall or exception entry). */
  readonly trapEntry: number;
  /** Kernel -> user return (sysret/iret). */
  readonly trapExit: number;
  /** Hardware interrupt entry, including the kernel's save of the register file. */
  readonly interruptEntry: number;
  /** Delivering an upcall: fresh entry onto the dispatcher stack. */
  readonly upcall: number;
  /** The kernel switching to another dispatcher / kernel thread on a CPU. */
  readonly kernelSwitch: number;
  /** Changing address spaces (page-table root, TLB refill). */
  readonly addressSpaceSwitch: number;
  /** User-level save of a thread's registers into a TCB. */
  readonly userSave: number;
  /** User-level restore of one part of a register file. */
  readonly userRestore: number;
  /** Allocating and initialising a user-level TCB and stack. */
  readonly threadCreate: number;
  /** Mapping one page (kernel work of the user-level pager's map call). */
  readonly pageMap: number;
  /** Sending an inter-processor interrupt, to its arrival. */
  readonly ipi: number;
  /** Kernel timer quantum per CPU (the tick period). */
  readonly quantum: number;
  /** Creating a kernel thread (kernel stack, control block, scheduler entry). */
  readonly kernelThreadCreate: number;
  /** Creating a heavyweight process (address space, page tables). */
  readonly processCreate: number;
  /** Disk access latency per request (seek + rotation, or flash read). */
  readonly diskLatency: number;
  /** Disk transfer time per KiB. */
  readonly diskPerKiB: number;
}

export const COST_NAMES: readonly (keyof Costs)[] = [
  'instruction', 'procedureCall', 'atomic', 'trapEntry', 'trapExit', 'interruptEntry', 'upcall',
  'kernelSwitch', 'addressSpaceSwitch', 'userSave', 'userRestore', 'threadCreate', 'pageMap',
  'ipi', 'quantum', 'kernelThreadCreate', 'processCreate', 'diskLatency', 'diskPerKiB',
];

/**
 * A present-day x86 server, rounded to whole ns: ~1 ns per simple instruction, ~20 ns
 * for a contended atomic, ~50 ns each way across the syscall boundary (with mitigations
 * off), ~0.5 us for a kernel thread switch, 1 ms scheduling quantum, an NVMe-class disk
 * (100 us per request, ~1 GB/s).
 */
const MODERN: Costs = {
  instruction: 1,
  procedureCall: 2,
  atomic: 20,
  trapEntry: 50,
  trapExit: 50,
  interruptEntry: 150,
  upcall: 100,
  kernelSwitch: 500,
  addressSpaceSwitch: 1_000,
  userSave: 5,
  userRestore: 5,
  threadCreate: 60,
  pageMap: 500,
  ipi: 1_000,
  quantum: 1_000_000,
  kernelThreadCreate: 8_000,
  processCreate: 60_000,
  diskLatency: 100_000,
  diskPerKiB: 1_000,
};

export const PRESETS: Readonly<Record<string, Costs>> = { modern: MODERN };
export type PresetName = 'modern';

/** Resolve a preset and overrides into a validated cost table. */
export function resolveCosts(preset: string, overrides: Partial<Costs> = {}): Costs {
  const base = PRESETS[preset];
  if (base === undefined) {
    throw new ConfigError(`preset: unknown cost preset '${preset}' (known: ${Object.keys(PRESETS).join(', ')})`);
  }
  const out: Record<string, number> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (!(COST_NAMES as readonly string[]).includes(k)) {
      throw new ConfigError(`costs.${k}: unknown primitive cost (known: ${COST_NAMES.join(', ')})`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
      throw new ConfigError(`costs.${k}: must be a non-negative integer number of ns, got ${String(v)}`);
    }
    out[k] = v;
  }
  if ((out.instruction ?? 0) < 1) throw new ConfigError('costs.instruction: must be at least 1 ns');
  if ((out.quantum ?? 0) < 1) throw new ConfigError('costs.quantum: must be at least 1 ns');
  return out as unknown as Costs;
}
