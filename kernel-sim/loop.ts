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
 *  3. The loop ends when nothing is runnable and no event is pending (drained), when
 *     the kernel stops, or at a limit; it never spins without advancing a counter.
 */
import { MODE_IDLE } from './cpu';
import type { Cpu } from './cpu';
import type { Kernel } from './kernel';

export interface Limits {
  /** Stop after this many instructions. */
  readonly maxSteps: number;
  /** Stop once simulated time passes this (ns). */
  readonly maxTime: number;
  /** Declare a livelock after this many instructions with no thread-code progress. */
  readonly livelockSteps: number;
}

export type LoopEnd =
  | { readonly kind: 'drained' }
  | { readonly kind: 'stopped' }
  | { readonly kind: 'livelock'; readonly spinning: readonly { readonly cpu: number; readonly pc: string }[] }
  | { readonly kind: 'limit'; readonly what: 'steps' | 'time' };

export interface LoopResult {
  readonly end: LoopEnd;
  readonly steps: number;
  readonly time: number;
}

export function runLoop(k: Kernel, lim: Limits): LoopResult {
  const cpus = k.cpus;
  const n = cpus.length;
  const ties: number[] = [];
  let steps = 0;
  let lastProgress = k.progress;
  let lastProgressStep = 0;
  let now = 0;
  let eventsSinceStep = 0;
  for (;;) {
    if (k.stopped !== null) return { end: { kind: 'stopped' }, steps, time: maxTime(k) };
    // The busy CPU with the smallest clock; ties are a decision.
    let c: Cpu | null = null;
    let cT = Infinity;
    let tied = false;
    for (let i = 0; i < n; i++) {
      const x = cpus[i] as Cpu;
      if (x.mode === MODE_IDLE) continue;
      if (x.time < cT) {
        c = x;
        cT = x.time;
        tied = false;
      } else if (x.time === cT) tied = true;
    }
    const eT = k.events.peekTime();
    if (eT <= cT) {
      if (eT === Infinity) return { end: { kind: 'drained' }, steps, time: maxTime(k) };
      const e = k.events.pop();
      if (e === undefined) continue;
      if (e.time > lim.maxTime) return { end: { kind: 'limit', what: 'time' }, steps, time: lim.maxTime };
      now = e.time;
      k.deliver(e.time, e.ev);
      // Kernel work alone never ends a run's progress check: events without any
      // instruction in between count against the livelock budget too.
      if (++eventsSinceStep > lim.livelockSteps) {
        const spinning = cpus.map((x) => ({ cpu: x.index, pc: x.mode === MODE_IDLE ? 'idle' : k.code.symbolize(k.pcOf(x)) }));
        return { end: { kind: 'livelock', spinning }, steps, time: now };
      }
      continue;
    }
    if (c === null) continue;
    if (tied) {
      ties.length = 0;
      for (let i = 0; i < n; i++) {
        const x = cpus[i] as Cpu;
        if (x.mode !== MODE_IDLE && x.time === cT) ties.push(i);
      }
      const pick = k.opts.decisions.decide({ kind: 'tie', cpus: ties });
      c = cpus[ties[pick] ?? (ties[0] as number)] as Cpu;
    }
    // Step c until it passes another CPU's clock or the next event.
    let h = eT;
    for (let i = 0; i < n; i++) {
      const x = cpus[i] as Cpu;
      if (x !== c && x.mode !== MODE_IDLE && x.time < h) h = x.time;
    }
    k.horizon = h;
    eventsSinceStep = 0;
    const probe = k.probe;
    do {
      if (probe !== null && probe.check(c.index, k.pcOf(c))) {
        k.injectInterrupt(c);
        continue; // re-check the horizon: the kernel's work advanced c's clock
      }
      c.step();
      steps++;
    } while (c.time < k.horizon && c.mode !== MODE_IDLE && k.stopped === null && steps < lim.maxSteps);
    now = c.time;
    if (k.progress !== lastProgress) {
      lastProgress = k.progress;
      lastProgressStep = steps;
    } else if (steps - lastProgressStep > lim.livelockSteps) {
      const spinning = cpus.filter((x) => x.mode !== MODE_IDLE).map((x) => ({ cpu: x.index, pc: k.code.symbolize(k.pcOf(x)) }));
      return { end: { kind: 'livelock', spinning }, steps, time: now };
    }
    if (steps >= lim.maxSteps) return { end: { kind: 'limit', what: 'steps' }, steps, time: now };
    if (now > lim.maxTime) return { end: { kind: 'limit', what: 'time' }, steps, time: now };
  }
}

function maxTime(k: Kernel): number {
  let t = 0;
  for (const c of k.cpus) if (c.time > t) t = c.time;
  return t;
}
