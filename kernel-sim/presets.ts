/**
 * Cost presets. Each primitive carries its value and, beside it, where the value comes
 * from: a published figure, a stated estimate with its reasoning, or (firefly only) a
 * calibration on one cell of Table IV of Anderson et al., named. No composite figure
 * (a fork, a switch, a kernel call) appears here: those are sums the simulator makes by
 * running code.
 *
 * Invariants:
 *  1. Every preset is complete (all of PRIM_NAMES) and passes resolveCosts.
 *  2. One preset serves every experiment run on it: nothing is tuned per experiment.
 */
import type { Costs, Preset } from './costs';

/**
 * A present-day x86 server, rounded to whole ns. Estimates from the order of magnitude
 * of a 3-4 GHz core (~1 ns per simple instruction) and the measurements quoted in
 * shared/reference/activations.md (N19, N20: pthread create+join 22-41 us, condvar round
 * trip ~9.5 us, fork+exit+wait ~155 us, all on a 2-vCPU VM).
 */
const MODERN: Costs = {
  instruction: 1,
  procedureCall: 2, // call + return, predicted branches
  atomic: 20, // a contended lock-prefixed RMW crossing cores
  userSave: 5, // ~8 callee-saved registers and the stack pointer
  userRestore: 5,
  threadCreate: 60, // pop a TCB and stack from a free list, fill ~10 fields
  trapEntry: 50, // syscall entry with mitigations off
  trapExit: 50,
  interruptEntry: 150, // interrupt entry and register save
  syscallDispatch: 20, // table lookup and argument checks
  kernelThreadCreate: 8_000, // clone(): task struct, kernel stack, scheduler entry (a third of a measured create+join)
  kernelThreadExit: 3_000, // exit(): release the task, signal the reaper
  kernelBlock: 300, // futex wait: hash the word, enqueue, set the task state
  kernelWakeup: 300, // futex wake: find the waiter, try_to_wake_up
  kernelSchedule: 200, // pick_next_task over a short run queue
  kernelSwitch: 500, // switch_to: registers, kernel stack, FPU state
  processSyscallDispatch: 20,
  processCreate: 60_000, // fork(): copy the page tables of a small process (a measured fork+exit+wait is ~155 us)
  processExit: 20_000, // exit() of a process, tearing down its address space, and wait()
  processBlock: 300, // the same scheduler paths as threads
  processWakeup: 300,
  processSchedule: 200,
  processSwitch: 500,
  addressSpaceSwitch: 1_000, // CR3 load and the TLB refill that follows
  pageMap: 500,
  upcall: 100, // entering the user level on a fresh activation
  upcallNotice: 20, // one event record copied out
  ipi: 1_000,
  quantum: 1_000_000, // a 1 ms tick
  diskLatency: 100_000, // an NVMe-class read
  diskPerKiB: 1_000, // ~1 GB/s
};

/**
 * The 6-processor CVAX Firefly under Topaz, as measured by Anderson et al. (TOCS 1992).
 * Sources (shared/reference/activations.md):
 *  [LRPC]  Bershad et al., TOCS 8(1) 1990, on the same C-VAX Firefly under Taos: the
 *          109 us minimum cross-domain call = one procedure call (~7 us) + two kernel
 *          traps (~36 us) + two context switches with a virtual-memory change (~66 us);
 *  [VUP]   the CVAX is ~2.7 times a VAX-11/780, which executes ~0.5 million average
 *          instructions per second: ~0.75 us per average instruction;
 *  [T4]    calibrated on Table IV, the cell named (kernel paths only, none else);
 *  [est]   a stated estimate, with its reasoning.
 * Paths of the same kind split one Table IV cell evenly (block, wakeup and scheduling
 * decision each do a queue operation under the scheduler lock), and create:exit is 2:1
 * (create allocates and initialises a stack and a control block, exit frees them):
 * these splits are assumptions, and they are all the fit does.
 */
const FIREFLY: Costs = {
  instruction: 700, // [VUP] an average instruction of the mix (simple register ops are faster, memory ops slower)
  procedureCall: 7_000, // [LRPC] the VAX CALLS/RET pair with its register save mask
  atomic: 1_200, // [est] an interlocked bit instruction (BBSSI): a locked read-modify-write on the Firefly's shared bus, ~2 instructions
  userSave: 3_000, // [est] PUSHR of ~12 registers and the stack pointer into the TCB: ~4 memory-heavy instructions
  userRestore: 1_500, // [est] half of the restore (POPR of ~6 registers); resume does it in two steps
  threadCreate: 6_000, // [est] FastThreads takes a TCB and stack off a free list and initialises ~8 fields
  trapEntry: 9_000, // [LRPC] two traps ~36 us: ~18 us per trap, split evenly between entry and return [est]
  trapExit: 9_000, // [LRPC] (see trapEntry)
  interruptEntry: 9_000, // [est] as a trap entry: the same microcode saves the same state
  syscallDispatch: 10_000, // [est] decode, argument copy and table lookup: ~15 instructions
  kernelThreadCreate: 413_000, // [T4] Null Fork, Topaz threads (948 us), 2:1 with exit
  kernelThreadExit: 206_000, // [T4] Null Fork, Topaz threads (948 us), 2:1 with create
  kernelBlock: 109_000, // [T4] Signal-Wait, Topaz threads (441 us), split evenly with wakeup and schedule
  kernelWakeup: 109_000, // [T4] Signal-Wait, Topaz threads (441 us)
  kernelSchedule: 109_000, // [T4] Signal-Wait, Topaz threads (441 us)
  kernelSwitch: 25_000, // [LRPC] a context switch with a VM change is ~33 us; less the address-space switch below
  processSyscallDispatch: 10_000, // [est] as syscallDispatch: the same trap handling
  processCreate: 6_690_000, // [T4] Null Fork, Ultrix processes (11,300 us), 2:1 with exit: fork copies the address space
  processExit: 3_345_000, // [T4] Null Fork, Ultrix processes (11,300 us)
  processBlock: 573_000, // [T4] Signal-Wait, Ultrix processes (1,840 us), split evenly with wakeup and schedule
  processWakeup: 573_000, // [T4] Signal-Wait, Ultrix processes (1,840 us)
  processSchedule: 573_000, // [T4] Signal-Wait, Ultrix processes (1,840 us)
  processSwitch: 25_000, // [LRPC] the same hardware context switch as kernelSwitch
  addressSpaceSwitch: 8_000, // [est] of the ~33 us [LRPC] switch: load four page-table registers, flush the process half of the TLB, refill
  pageMap: 100_000, // [est] a kernel page-table update with its checks (not used by the paper experiments)
  upcall: 25_000, // [est] a tuned upcall builds an activation and starts it on its upcall stack: about one context switch
  upcallNotice: 2_000, // [est] copying one event and its saved registers out to the user level: ~3 instructions
  ipi: 10_000, // [est] an inter-processor interrupt across the Firefly's bus, to its arrival
  quantum: 100_000_000, // [est] a 100 ms time slice, as 4.3BSD's round robin of the era
  diskLatency: 28_000_000, // [est] an RD-class disk of the era: ~28 ms seek and rotation
  diskPerKiB: 1_600_000, // [est] ~625 KB/s transfer
};

export const PRESETS: Readonly<Record<string, Preset>> = {
  modern: { costs: MODERN, daemons: null, description: 'a present-day x86 server' },
  // [est] Topaz's kernel daemons: two threads (clock/housekeeping, network input) each
  // waking at 100 Hz for 0.5 ms, together ~10% of one processor.
  firefly: { costs: FIREFLY, daemons: { count: 2, period: 10_000_000, burst: 500_000 }, description: 'the 6-processor CVAX Firefly under Topaz' },
};

export type PresetName = 'modern' | 'firefly';
