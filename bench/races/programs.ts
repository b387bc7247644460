/**
 * Classic concurrency-bug benchmarks (in the spirit of SCTBench and the CHESS test
 * programs) ported to upcall Scenarios: each program is `(o: RaceOptions) => Scenario`
 * with a planted bug that the untested schedule hides (a 1 ms quantum, spawn order, a
 * stagger where two vCPUs would show it) and a `fixed: true` variant that is right
 * under every schedule. The programs live in classic.ts, sctbench.ts and more.ts.
 *
 * Preemptions: the fewest switches at non-blocking points (interrupts landed in a
 * running thread) that make the bug happen, with the scheduler free to pick any ready
 * thread at every switch (the runtime's pick decision; random and PCT draw it). A
 * thread that blocks (a lock, a join, a wait) or exits switches without a preemption.
 * None of the bugs happens without one: run to completion in any order, every program
 * passes (exhaustive({ mode: 'preemption' }) covers cost 0, every order of picks, without
 * a failure and fails at cost 1 with one interrupt, for all but reorder-10 and
 * twenty-threads, whose cost-0 level is too large for 1,500 runs).
 *
 *   account          1  preempt a withdrawal between its read of the balance and its
 *                       write; the other withdrawal runs, and one update is lost
 *   bluetooth        1  preempt the adder between its stoppingFlag check and its
 *                       increment; the stopper runs to the end (count 1 -> 0, stopped)
 *                       and the adder then uses the stopped driver
 *   circular-buffer  1  preempt the consumer between its read and write of count while
 *                       the producer is ready; the producer's count update is lost
 *   lock-order       1  preempt T1 between its two locks; T2 takes B and blocks on A,
 *                       T1 blocks on B (both switches after the first are blocking)
 *   lazy-init        1  preempt the first user between its null check and its build
 *                       (built twice), or between publishing and finishing (half-built)
 *   reorder-n        1  preempt a setter between a = 1 and b = -1 and pick the checker
 *                       before any setter finishes. With the FIFO policy's own picks
 *                       only it takes n - 1: the checker runs after every setter, so
 *                       each must be preempted before writing b
 *   stack            1  preempt a popper between its size check and its lock; the other
 *                       popper empties the stack, and the first pops an empty stack
 *   token-ring       1  preempt node 0 between reading and writing its mailbox; node 2
 *                       passes a token into it, and node 0's stale write loses it
 *   two-stage        1  preempt the writer between its stages; the reader sees data1
 *                       without the data2 of stage 2
 *   wrong-lock       1  preempt a thread between its read and write of the counter; the
 *                       other one's different lock does not stop it, an update is lost
 *   lost-wakeup      1  preempt the waiter between its check of `ready` and its wait;
 *                       the signal goes to nobody, the waiter sleeps forever (deadlock)
 *   two-vcpu-flags   0  on two vCPUs no thread needs to be switched out: the two entry
 *                       protocols need only run at the same time, which the stagger
 *                       prevents in the untested schedule, so one timing perturbation
 *                       does it (a stall, an interrupt delaying a CPU, another pick;
 *                       exhaustive in preemption mode: irq@cpu0:init;pick#1=main/2, an
 *                       interrupt before any thread ran). On one vCPU no number of
 *                       preemptions breaks it (multiVcpuOnly). PCT, which runs threads
 *                       one at a time in priority order, cannot reach it at any depth
 *   twenty-threads   1  preempt worker 0 between its unlocked read and write of the
 *                       total; the locked workers add theirs and worker 0 overwrites
 *
 * Found by explore(s, { strategy: random({ rate: 5, kinds: ['irq'] }), runs: 2000,
 * stopAtFirst: true }) on 1 vCPU (two-vcpu-flags on 2 vCPUs); the run of the first
 * failure, measured at commit 8314d9b (random draws picks too). Every bug was found;
 * test/bench/races-programs.test.ts asserts that each is.
 *
 *   program          found at run   first failure
 *   account                12       balance 150 != 100 + 50 - 80 withdrawn
 *   bluetooth             100       an adder used the driver after it stopped
 *   circular-buffer         5       count -1 outside 0..3
 *   lock-order              2       deadlock (mutex A <-> mutex B)
 *   lazy-init               4       user 1 saw a half-built instance
 *   reorder-3              12       the checker saw a = 1, b = 0
 *   reorder-5              22       the checker saw a = 1, b = 0
 *   reorder-10           1083       the checker saw a = 1, b = 0
 *   stack                   2       popper 2 popped an empty stack
 *   token-ring             10       the ring holds 1 tokens, not 2
 *   two-stage              14       the reader saw data1 = 1 but data2 = 0
 *   wrong-lock              6       counter 2 after 4 locked increments
 *   lost-wakeup             2       deadlock (the waiter on cond ready)
 *   two-vcpu-flags         42       both threads in the critical section (2 vCPUs;
 *                                   on 1 vCPU not found in 2,000 runs, as it must not be)
 *   twenty-threads         12       total 19 after 20 workers added 1 each
 */
import type { Scenario } from '../../src/testing/index';
import { account, bluetooth, circularBuffer, lazyInit, lockOrder } from './classic';
import type { RaceOptions, RaceProgram } from './common';
import { lostWakeup, twentyThreads, twoVcpuFlags } from './more';
import { reorder, stack, tokenRing, twoStage, wrongLock } from './sctbench';

export type { RaceOptions, RaceProgram } from './common';
export { account, bluetooth, circularBuffer, lazyInit, lockOrder } from './classic';
export { reorder, reorderScenario, stack, tokenRing, twoStage, wrongLock } from './sctbench';
export type { ReorderOptions } from './sctbench';
export { lostWakeup, twentyThreads, twoVcpuFlags } from './more';

export const RACE_PROGRAMS: readonly RaceProgram[] = [
  { id: 'account', title: 'account: deposit and withdrawals, check-then-act and lost update', preemptions: 1, make: account },
  { id: 'bluetooth', title: 'bluetooth driver (KISS): the driver used after it stopped', preemptions: 1, make: bluetooth },
  { id: 'circular-buffer', title: 'circular buffer: a racy count on a producer/consumer ring', preemptions: 1, make: circularBuffer },
  { id: 'lock-order', title: 'lock-order deadlock: two Mutexes taken in opposite orders', preemptions: 1, make: lockOrder },
  { id: 'lazy-init', title: 'lazy init: double-checked initialisation without a lock', preemptions: 1, make: lazyInit },
  { id: 'reorder-3', title: 'reorder-3: 2 setters and a checker', preemptions: 1, make: reorder(3) },
  { id: 'reorder-5', title: 'reorder-5: 4 setters and a checker', preemptions: 1, make: reorder(5) },
  { id: 'reorder-10', title: 'reorder-10: 9 setters and a checker', preemptions: 1, make: reorder(10) },
  { id: 'stack', title: 'stack: the size check outside the lock, a pop of an empty stack', preemptions: 1, make: stack },
  { id: 'token-ring', title: 'token ring: a racy mailbox update loses a token', preemptions: 1, make: tokenRing },
  { id: 'two-stage', title: 'two-stage: stage 1 seen without stage 2 under two locks', preemptions: 1, make: twoStage },
  { id: 'wrong-lock', title: 'wrong lock: one counter, two Mutexes', preemptions: 1, make: wrongLock },
  { id: 'lost-wakeup', title: 'lost wake-up: a Cond signalled between the check and the wait', preemptions: 1, make: lostWakeup },
  { id: 'two-vcpu-flags', title: 'two-vCPU check-then-act: a flag protocol safe on one vCPU only', preemptions: 0, make: twoVcpuFlags, multiVcpuOnly: true },
  { id: 'twenty-threads', title: 'twenty threads: one unlocked update among locked ones', preemptions: 1, make: twentyThreads },
];

/** The catalog entry of `id`, or a RangeError naming the known ids. */
export function raceProgram(id: string): RaceProgram {
  const p = RACE_PROGRAMS.find((x) => x.id === id);
  if (p === undefined) throw new RangeError(`unknown race program '${id}' (known: ${RACE_PROGRAMS.map((x) => x.id).join(', ')})`);
  return p;
}

/** Every program's scenario for `o` (the catalog order). */
export function raceScenarios(o: RaceOptions): Scenario[] {
  return RACE_PROGRAMS.map((p) => p.make(o));
}
