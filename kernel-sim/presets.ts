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

export const PRESETS: Readonly<Record<string, Preset>> = {
  modern: { costs: MODERN, daemons: null, description: 'a present-day x86 server' },
};

export type PresetName = 'modern' | 'firefly';
