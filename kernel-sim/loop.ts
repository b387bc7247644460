/**
 * The machine loop (the trampoline): advances CPUs and delivers kernel events in
 * simulated-time order. Only this loop steps CPUs, and only CPUs resume generators.
 *
 * Invariants:
 *  1. An event at time t is delivered before any CPU executes an instruction that
 *     starts after t; a CPU whose instruction spans t takes it at the next boundary
 *     (or splits a compute, see Kernel.deliver).
 *  2. The CPU with the smallest clock steps next; CPUs at the same time are a `tie`
 *     decision. Events at the same time as a CPU's next instruction come first.
 *  3. Progress is an application's thread code doing something other than spinning or
 *     yielding (a failed acquire, an instruction issued as `waits`); a livelock is
 *     livelockSteps application instructions without progress (kernel daemons neither
 *     make progress nor hide its absence). The caller may resume a livelocked loop
 *     (a thread sleeping or waiting for a device brings progress back later).
 *  4. The loop ends when nothing is runnable and no event is pending (drained), when
 *     the kernel stops, or at a limit; it never spins without advancing a counter
 *     (injected events count against the step limit too). The time limit is checked
 *     after stale events are dropped (isStale), and never ends a run whose
 *     application processes all ended by maxTime (the rest is the machine winding down).
 *  5. Before each instruction the decision source may land an event (only when it has
 *     `beforeStep`); after it, the observer looks (only when there is one); a CPU that
 *     spun `spinLimit` times in a row takes a pause-loop exit (fair scheduling).
 *  6. A stall (INJECT_STALL) holds its CPU out of the choice of invariant 2 until the
 *     other CPUs have run its length in instructions; it then goes on at the clock of
 *     the CPU whose instruction released it (never in the past of what it missed). A
 *     stalled CPU bounds no horizon, and when no unstalled CPU is busy every stall ends
 *     at once (a stall never stops the machine). Without stalls this costs one compare.
 */
import type { Cell, DispatcherShared, Stack } from './abi';
import { MODE_GEN, MODE_IDLE } from './cpu';
import type { Cpu } from './cpu';
import { checkInject, decide, INJECT_NONE, INJECT_STALL } from './decisions';
import { deliverEvent, injectEvent, isStale, pauseExit } from './interrupts';
import type { KernelEvent } from './events';
import type { Kernel } from './kernel';

export interface Limits {
  /** Stop after this many instructions. */
  readonly maxSteps: number;
  /** Stop once simulated time passes this (ns) while an application process still runs. */
  readonly maxTime: number;
  /** Declare a livelock after this many instructions with no thread-code progress. */
  readonly livelockSteps: number;
}

/** What a CPU was doing when a livelock was declared. */
export interface CpuActivity {
  readonly cpu: number;
  /** Symbolic pc, or 'idle'. */
  readonly pc: string;
  /** Failed acquires in a row at the end (0: it was not spinning). */
  readonly spinRun: number;
  /** The word it spun on, and who last took that word (a thread or a dispatcher). */
  readonly spinningOn: string | null;
  readonly heldBy: string | null;
  /** Whether that holder is running on some CPU right now (false: preempted, blocked, lost or exited). */
  readonly holderRunning: boolean;
  /** The holder is a thread whose code has returned or thrown: it exited with the word still taken. */
  readonly holderExited: boolean;
}

export type LoopEnd =
  | { readonly kind: 'drained' }
  /** The instruction budget of this call ran out; the run goes on when called again. */
  | { readonly kind: 'paused' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'livelock'; readonly spinning: readonly CpuActivity[] }
  | { readonly kind: 'limit'; readonly what: 'steps' | 'time' };

export interface LoopResult {
  readonly end: LoopEnd;
  readonly steps: number;
  readonly time: number;
}

/** Where a paused run stands: the loop's own counters, kept between calls of runLoop. */
export class LoopState {
  steps = 0;
  lastProgress = 0;
  lastProgressStep = 0;
  /** Clock of the CPU that made the last progress, after it (a long compute ends there): no livelock before it; a livelock report's yielders yielded after it. */
  lastProgressTime = 0;
  now = 0;
  eventsSinceStep = 0;
  injected = 0;
  /** Instructions of application processes (kernel daemons' own are not the program's). */
  appSteps = 0;
  /** The CPU being stepped (-1: none, the loop delivers kernel events), and the event being delivered: whom to blame if an exception escapes. */
  stepping = -1;
  event: KernelEvent | null = null;
  readonly ties: number[] = [];
  /** Invariant 6: per CPU, instructions of the others it still waits for (0: not stalled), and how many CPUs are stalled. */
  stall: number[] = [];
  stalled = 0;
}

/** The longest stall a decision may ask for (instructions of the other CPUs). */
export const MAX_STALL = 100_000;

/** runLoop stopped at its instruction budget with the run still going (resume it with the same state). */
export const PAUSED: LoopEnd = { kind: 'paused' };

/**
 * Run the machine until it ends, or (with `budget`) until it has executed `budget` more
 * instructions, when it returns a `paused` end; calling again with the same state goes on
 * exactly where it stopped.
 */
export function runLoop(k: Kernel, lim: Limits, st: LoopState = new LoopState(), budget = Infinity): LoopResult {
  const cpus = k.cpus;
  const n = cpus.length;
  const ties = st.ties;
  const pauseAt = st.steps + budget;
  if (st.steps === 0 && st.appSteps === 0) st.lastProgress = k.progress;
  for (;;) {
    if (k.stopped !== null) return { end: { kind: 'stopped' }, steps: st.steps, time: maxTime(k) };
    if (st.steps >= pauseAt) return { end: PAUSED, steps: st.steps, time: st.now };
    // The busy CPU with the smallest clock; ties are a decision.
    let c: Cpu | null = null;
    let cT = Infinity;
    let tied = false;
    if (st.stalled > 0 && !anyUnstalled(st, cpus)) releaseAll(st, cpus);
    for (let i = 0; i < n; i++) {
      const x = cpus[i] as Cpu;
      if (x.mode === MODE_IDLE || (st.stalled > 0 && (st.stall[i] as number) > 0)) continue;
      if (x.time < cT) {
        c = x;
        cT = x.time;
        tied = false;
      } else if (x.time === cT) tied = true;
    }
    const eT = k.events.peekTime();
    if (eT <= cT) {
      if (eT === Infinity) return { end: { kind: 'drained' }, steps: st.steps, time: maxTime(k) };
      const e = k.events.pop();
      if (e === undefined) continue;
      // A stale event (a tick for a CPU that went idle when its process ended) does
      // nothing: it is dropped first, so a finished run drains instead of ending at the
      // limit; so are events after every application ended (the machine winding down).
      if (e.time > lim.maxTime && !isStale(k, e.ev) && !endedBy(k, lim.maxTime)) return { end: { kind: 'limit', what: 'time' }, steps: st.steps, time: lim.maxTime };
      st.now = e.time;
      st.event = e.ev;
      deliverEvent(k, e.time, e.ev);
      k.checkAllActivations(); // invariant: after every kernel event
      st.event = null;
      // Kernel work alone never ends a run's progress check: events without any
      // instruction in between count against the livelock budget too.
      if (++st.eventsSinceStep > lim.livelockSteps) {
        return { end: { kind: 'livelock', spinning: cpus.map((x) => activity(k, x)) }, steps: st.steps, time: st.now };
      }
      continue;
    }
    if (c === null) continue;
    if (tied) {
      ties.length = 0;
      for (let i = 0; i < n; i++) {
        const x = cpus[i] as Cpu;
        if (x.mode !== MODE_IDLE && x.time === cT && !(st.stalled > 0 && (st.stall[i] as number) > 0)) ties.push(i);
      }
      c = cpus[ties[decide(k.decisions, { kind: 'tie', cpus: ties })] as number] as Cpu;
    }
    // Step c until it passes another CPU's clock or the next event.
    let h = eT;
    for (let i = 0; i < n; i++) {
      const x = cpus[i] as Cpu;
      if (x !== c && x.mode !== MODE_IDLE && x.time < h && !(st.stalled > 0 && (st.stall[i] as number) > 0)) h = x.time;
    }
    k.horizon = h;
    st.eventsSinceStep = 0;
    const src = k.decisions;
    const probe = src.beforeStep === undefined ? null : src;
    const obs = k.observer;
    const spinLimit = k.spinLimit;
    const stepCap = Math.min(lim.maxSteps, pauseAt);
    st.stepping = c.index;
    const from = c.time;
    do {
      if (probe !== null) {
        const pc = k.pcOf(c);
        const ev = checkInject((probe.beforeStep as NonNullable<typeof src.beforeStep>)(c.index, pc), c.index, pc);
        if (ev === INJECT_STALL) {
          const len = decide(k.decisions, { kind: 'stall', cpu: c.index, max: MAX_STALL });
          if (++st.injected > lim.maxSteps) return { end: { kind: 'limit', what: 'steps' }, steps: st.steps, time: c.time };
          if (len > 0) {
            k.injected++;
            k.trace.add(c.time, c.index, 'inject', INJECT_STALL, pc);
            if (st.stall.length < n) st.stall = cpus.map(() => 0);
            if (st.stall[c.index] === 0) st.stalled++;
            st.stall[c.index] = len;
            break; // choose again: c is held back
          }
          continue;
        }
        if (ev !== INJECT_NONE && injectEvent(k, c, ev)) {
          if (++st.injected > lim.maxSteps) return { end: { kind: 'limit', what: 'steps' }, steps: st.steps, time: c.time };
          continue; // re-check the horizon: the kernel's work advanced c's clock
        }
      }
      c.step();
      st.steps++;
      if (st.stalled > 0 && countDown(st, cpus, c)) k.horizon = c.time; // a CPU went on: choose again
      if (c.countsProgress) st.appSteps++;
      if (obs !== null) obs.afterStep(c);
      if (c.spinRun >= spinLimit && c.mode !== MODE_IDLE) pauseExit(k, c);
    } while (c.time < k.horizon && c.mode !== MODE_IDLE && k.stopped === null && st.steps < stepCap);
    st.stepping = -1;
    st.now = c.time;
    if (k.progress !== st.lastProgress) {
      st.lastProgress = k.progress;
      st.lastProgressStep = st.appSteps;
      if (st.now > st.lastProgressTime) st.lastProgressTime = st.now; // the latest clock: a CPU ahead may still be in a compute
    } else if (from <= st.lastProgressTime) {
      // This CPU ran behind the last progress (another CPU's long compute ends there):
      // that progress was not over yet, so the livelock window starts after it.
      st.lastProgressStep = st.appSteps;
    } else if (st.appSteps - st.lastProgressStep > lim.livelockSteps) {
      const spinning = cpus.filter((x) => x.mode !== MODE_IDLE).map((x) => activity(k, x));
      return { end: { kind: 'livelock', spinning }, steps: st.steps, time: st.now };
    }
    if (st.steps >= lim.maxSteps) return { end: { kind: 'limit', what: 'steps' }, steps: st.steps, time: st.now };
    if (st.now > lim.maxTime && !endedBy(k, lim.maxTime)) return { end: { kind: 'limit', what: 'time' }, steps: st.steps, time: st.now };
  }
}

/** Is some busy CPU not stalled? */
function anyUnstalled(st: LoopState, cpus: readonly Cpu[]): boolean {
  for (let i = 0; i < cpus.length; i++) if ((cpus[i] as Cpu).mode !== MODE_IDLE && st.stall[i] === 0) return true;
  return false;
}

/** End every stall (no unstalled CPU is busy): each goes on no earlier than the loop's clock. */
function releaseAll(st: LoopState, cpus: readonly Cpu[]): void {
  for (let i = 0; i < cpus.length; i++) {
    if (st.stall[i] === 0) continue;
    st.stall[i] = 0;
    const x = cpus[i] as Cpu;
    if (x.time < st.now) x.time = st.now;
  }
  st.stalled = 0;
}

/** c ran one instruction: count it against every other CPU's stall; true when one ended (it goes on at c's clock). */
function countDown(st: LoopState, cpus: readonly Cpu[], c: Cpu): boolean {
  let ended = false;
  for (let i = 0; i < cpus.length; i++) {
    const left = st.stall[i] as number;
    if (left === 0 || i === c.index) continue;
    st.stall[i] = left - 1;
    if (left === 1) {
      st.stalled--;
      const x = cpus[i] as Cpu;
      if (x.time < c.time) x.time = c.time;
      ended = true;
    }
  }
  return ended;
}

/**
 * Every application process ended by time t: what runs after that is the machine
 * winding down (vCPUs leaving, kernel daemons), not the program, so the time limit
 * does not cut it off (the step limit still does).
 */
function endedBy(k: Kernel, t: number): boolean {
  for (const p of k.procs) if (!p.daemon && (p.end.kind === 'running' || p.end.time > t)) return false;
  return true;
}

/** What every busy CPU is doing (for a report at a limit). */
export function activityOf(k: Kernel): CpuActivity[] {
  return k.cpus.filter((x) => x.mode !== MODE_IDLE).map((x) => activity(k, x));
}

/** What `x` is doing: where, and when spinning, on which word and who holds it. */
function activity(k: Kernel, x: Cpu): CpuActivity {
  const pc = x.mode === MODE_IDLE ? 'idle' : k.code.symbolize(k.pcOf(x));
  const cell: Cell | null = x.spinRun > 0 ? x.spinCell : null;
  const h = cell === null ? null : cell.heldBy;
  let heldBy: string | null = null;
  let holderRunning = false;
  let holderExited = false;
  if (h !== null) {
    const isStack = 'frames' in h;
    heldBy = isStack ? (h as Stack).label : (h as DispatcherShared).name;
    holderRunning = k.cpus.some((y) => y.mode !== MODE_IDLE && (isStack ? y.mode === MODE_GEN && y.stack === h : y.shared === h));
    holderExited = isStack && (h as Stack).frames.length === 0; // its root frame is gone
  }
  return { cpu: x.index, pc, spinRun: x.spinRun, spinningOn: cell === null ? null : cell.label, heldBy, holderRunning, holderExited };
}

function maxTime(k: Kernel): number {
  let t = 0;
  for (const c of k.cpus) if (c.time > t) t = c.time;
  return t;
}
