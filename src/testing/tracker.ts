/**
 * The tracker names instruction boundaries in program terms, so a replay token finds
 * the same point in a later run: the n-th arrival of a CPU at a dispatcher pc, a
 * thread's i-th instruction, or an offset into a thread's pass through a window.
 *
 * Invariants:
 *  1. arrive() is called before every instruction of an application CPU, commit() after
 *     the decision source let it execute; a thread's count (Tcb.steps) grows only at
 *     commit, so an event landed before instruction i leaves the next one still i.
 *  2. Arrival counts include arrivals where an event landed (the same in record and
 *     replay, since both run the same decisions up to that point).
 *  3. Kernel daemons are not application code: arrive() answers false for them.
 */
import { MODE_GEN } from '../../kernel-sim/cpu';
import type { Cpu } from '../../kernel-sim/cpu';
import type { Kernel } from '../../kernel-sim/kernel';
import type { Tcb } from '../../runtime/tcb';
import type { Uls } from '../../runtime/uls';
import type { Anchor, ThreadRef } from './replay';
import { formatThread } from './replay';

export class Tracker {
  private readonly arrivals: Int32Array[];
  private readonly anyArrivals: Int32Array;
  /** Touches per thread and page: key `proc.thread.page`. */
  private readonly touches = new Map<string, number>();
  // --- the point of the current arrival ---
  cpu: Cpu | null = null;
  pc = 0;
  proc = -1;
  tcb: Tcb | null = null;

  constructor(private readonly k: Kernel, private readonly ulses: readonly Uls[]) {
    const size = k.code.limit;
    this.arrivals = k.cpus.map(() => new Int32Array(size));
    this.anyArrivals = new Int32Array(size);
  }

  /** Invariant 1. False when the CPU runs a kernel daemon (nothing to track). */
  arrive(cpuIndex: number, pc: number): boolean {
    const cpu = this.k.cpus[cpuIndex] as Cpu;
    const d = this.k.dcbs[cpu.dcbIndex];
    if (d === undefined || d.proc.daemon) return false;
    this.cpu = cpu;
    this.pc = pc;
    this.proc = d.proc.id;
    const a = this.arrivals[cpuIndex] as Int32Array;
    a[pc] = (a[pc] as number) + 1;
    this.anyArrivals[pc] = (this.anyArrivals[pc] as number) + 1;
    this.tcb = cpu.mode === MODE_GEN && cpu.stack !== null ? this.thread(d.proc.id, cpu.stack.owner) : null;
    return true;
  }

  commit(): void {
    if (this.tcb !== null) this.tcb.steps++;
  }

  thread(proc: number, id: number): Tcb | null {
    const t = this.ulses[proc]?.threads[id - 1];
    return t !== undefined && t.id === id ? t : null;
  }

  /** The anchor that names the current point (dispatcher pc, window offset or thread index). */
  anchorHere(): Anchor {
    const t = this.tcb;
    if (t === null) {
      const sym = this.k.code.symbolize(this.pc);
      const plus = sym.indexOf('+');
      return {
        kind: 'pc', cpu: (this.cpu as Cpu).index, symbol: plus < 0 ? sym : sym.slice(0, plus),
        offset: plus < 0 ? 0 : Number(sym.slice(plus + 1)), nth: (this.arrivals[(this.cpu as Cpu).index] as Int32Array)[this.pc] as number,
      };
    }
    const at: ThreadRef = { proc: this.proc, thread: t.id };
    const ws = t.windows;
    const top = ws === null ? undefined : ws[ws.length - 1];
    if (top !== undefined) return { kind: 'window', at, window: top.name, entry: top.entry, offset: t.steps - top.at };
    return { kind: 'thread', at, index: t.steps + 1 };
  }

  /** Does `a` name the current point? `pc` anchors carry their resolved address. */
  matches(a: Anchor, pc: number): boolean {
    switch (a.kind) {
      case 'pc': {
        if (pc !== this.pc) return false;
        if (a.cpu < 0) return this.anyArrivals[pc] === a.nth;
        return (this.cpu as Cpu).index === a.cpu && (this.arrivals[a.cpu] as Int32Array)[pc] === a.nth;
      }
      case 'thread': {
        const t = this.tcb;
        return t !== null && t.id === a.at.thread && this.proc === a.at.proc && t.steps + 1 === a.index;
      }
      case 'window': {
        const t = this.tcb;
        if (t === null || t.id !== a.at.thread || this.proc !== a.at.proc || t.windows === null) return false;
        const top = t.windows[t.windows.length - 1];
        return top !== undefined && top.name === a.window && top.entry === a.entry && t.steps - top.at === a.offset;
      }
      default:
        return false;
    }
  }

  /** Count a touch of `page` by the thread on cpu `cpuIndex`: the thread and which touch it is (1-based), or null. */
  touch(cpuIndex: number, page: number): { readonly at: ThreadRef; readonly nth: number } | null {
    const cpu = this.k.cpus[cpuIndex];
    const d = cpu === undefined ? undefined : this.k.dcbs[cpu.dcbIndex];
    if (cpu === undefined || d === undefined || d.proc.daemon || cpu.stack === null) return null;
    const t = this.thread(d.proc.id, cpu.stack.owner);
    if (t === null) return null;
    const key = `${d.proc.id}.${t.id}.${page}`;
    const nth = (this.touches.get(key) ?? 0) + 1;
    this.touches.set(key, nth);
    return { at: { proc: d.proc.id, thread: t.id }, nth };
  }

  /** Why `a` never matched in this run (for stale replay tokens). */
  whyMissed(a: Anchor, pc: number): string {
    switch (a.kind) {
      case 'pc': {
        const n = a.cpu < 0 ? this.anyArrivals[pc] : this.arrivals[a.cpu]?.[pc];
        return `${a.cpu < 0 ? 'the CPUs' : `cpu${a.cpu}`} reached ${this.k.code.symbolize(pc)} ${String(n ?? 0)} time(s), not ${a.nth}`;
      }
      case 'thread':
      case 'window': {
        const t = this.thread(a.at.proc, a.at.thread);
        if (t === null) return `the run has no thread ${formatThread(a.at)}`;
        if (a.kind === 'thread') return `${formatThread(a.at)} ran ${t.steps} instruction(s), never reaching instruction ${a.index}`;
        const entries = t.windowEntries?.get(a.window) ?? 0;
        return entries < a.entry
          ? `${formatThread(a.at)} entered window '${a.window}' ${entries} time(s), not ${a.entry}`
          : `${formatThread(a.at)}'s pass #${a.entry} through '${a.window}' never reached offset ${a.offset}`;
      }
      default:
        return 'unknown anchor';
    }
  }

  /** Touches of `page` by thread `ref` in this run. */
  touchesOf(ref: ThreadRef, page: number): number {
    return this.touches.get(`${ref.proc}.${ref.thread}.${page}`) ?? 0;
  }
}
