/**
 * The tracker names instruction boundaries in program terms, so a replay token finds
 * the same point in a later run, and a change elsewhere in the program does not move it:
 *
 *  - thread code: the thread (by its path, `main/2:worker`) and the number of its next
 *    instruction (`main/2:worker:12`), or the offset into its current pass through a window
 *    (`main/2:worker:check#2+0`). Instructions are
 *    counted as resumptions of the thread's code (Stack.seq), so a timer that splits a
 *    compute or a touch retried after a page-in never shifts the count;
 *  - dispatcher code: the thread its vCPU is working for (`current`: the thread being
 *    resumed, blocked, yielded ...) and the n-th arrival at that pc while working for it
 *    (`main/2:worker:resume+1#2`); with no current thread, the CPU and its n-th arrival
 *    (`cpu0:sched+6#4`).
 *
 * Invariants:
 *  1. arrive() is called before every instruction of an application CPU; arrival counts
 *     include arrivals where an event then lands (record and replay run the same
 *     decisions up to that point, so they count alike).
 *  2. A point where the rest of an instruction is still to run (a compute split by the
 *     timer, a touch retried after its page-in) has the number of the instruction that
 *     follows, and is told apart by its rest ordinal: the n-th such point before it.
 *  3. Kernel daemons are not application code: arrive() answers false for them.
 */
import type { Stack } from '../../kernel-sim/abi';
import { MODE_GEN, MODE_IDLE } from '../../kernel-sim/cpu';
import type { Cpu } from '../../kernel-sim/cpu';
import type { Kernel } from '../../kernel-sim/kernel';
import type { Tcb } from '../../runtime/tcb';
import { Vcpu } from '../../runtime/uls';
import type { Uls } from '../../runtime/uls';
import type { Anchor, ThreadRef } from './replay';
import { formatThread } from './replay';

/** Arrivals are keyed by thread and pc: (proc * 2^20 + thread) * 2^16 + pc. */
function key(proc: number, thread: number, pc: number): number {
  return (proc * 1_048_576 + thread) * 65_536 + pc;
}

export class Tracker {
  private readonly arrivals: Int32Array[];
  private readonly anyArrivals: Int32Array;
  /** Arrivals at dispatcher pcs while working for a thread. */
  private readonly threadArrivals = new Map<number, number>();
  /** First touches per thread and page: key `proc.thread.page`. */
  private readonly touches = new Map<string, number>();
  /** Rest points per thread and instruction count: key `proc.thread.seq`. */
  private readonly rests = new Map<string, number>();
  /** The current point's rest ordinal (0: an instruction boundary). */
  rest = 0;
  // --- the point of the current arrival ---
  cpu: Cpu | null = null;
  pc = 0;
  proc = -1;
  /** The thread whose code is about to run (null in dispatcher code). */
  tcb: Tcb | null = null;
  /** In dispatcher code: the thread the vCPU works for (its `current`), or null. */
  forThread: Tcb | null = null;

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
    if (cpu.mode === MODE_GEN && cpu.stack !== null) {
      this.tcb = this.ulses[d.proc.id]?.threadOf(cpu.stack) ?? null;
      this.forThread = null;
      this.rest = 0;
      if (cpu.pendingOp >= 0) {
        const rk = `${d.proc.id}.${cpu.stack.owner}.${cpu.stack.seq}`;
        this.rest = (this.rests.get(rk) ?? 0) + 1;
        this.rests.set(rk, this.rest);
      }
    } else {
      this.tcb = null;
      // udisp is user-writable, and a new 1:1 kernel thread has none until kt_start.
      const v: unknown = d.shared.udisp;
      this.forThread = v instanceof Vcpu ? v.current : null;
      if (this.forThread !== null) {
        const kk = key(this.proc, this.forThread.id, pc);
        this.threadArrivals.set(kk, (this.threadArrivals.get(kk) ?? 0) + 1);
      }
    }
    return true;
  }

  /** The thread cpu `cpuIndex` runs or works for (its vCPU's current thread), or null. */
  threadOn(cpuIndex: number): Tcb | null {
    const cpu = this.k.cpus[cpuIndex];
    if (cpu === undefined || cpu.mode === MODE_IDLE) return null;
    const d = this.k.dcbs[cpu.dcbIndex];
    if (d === undefined || d.proc.daemon) return null;
    if (cpu.mode === MODE_GEN && cpu.stack !== null) return this.ulses[d.proc.id]?.threadOf(cpu.stack) ?? null;
    const v: unknown = d.shared.udisp;
    return v instanceof Vcpu ? v.current : null;
  }

  /** Does an interrupt reach process `proc`'s user-level scheduler (scheduler activations)? */
  upcalls(proc: number): boolean {
    return this.ulses[proc]?.mapping === 'activations';
  }

  /** The ready (queued) threads of process `proc`: the policy's snapshot, empty when none. */
  readyOf(proc: number): readonly Tcb[] {
    const u = this.ulses[proc];
    return u === undefined || u.policy.size() === 0 ? [] : u.policy.snapshot();
  }

  /** The id of the thread at `ref`'s path in this run, or -1 when no thread had that path. */
  idOf(ref: ThreadRef): number {
    return this.ulses[ref.proc]?.paths?.get(ref.path) ?? -1;
  }

  /** The thread at `ref`'s path, while the run still knows it (see Uls.findThread). */
  thread(ref: ThreadRef): Tcb | null {
    const id = this.idOf(ref);
    return id < 0 ? null : this.ulses[ref.proc]?.findThread(id) ?? null;
  }

  /**
   * Why no thread of this run has `ref`'s path: the spawn at that position ran another
   * body, or the parent spawned fewer threads, or there is no such parent.
   */
  noThread(ref: ThreadRef): string {
    const paths = this.ulses[ref.proc]?.paths;
    const who = formatThread(ref);
    if (paths === undefined || paths === null) return `the run has no process ${ref.proc}`;
    const slash = ref.path.lastIndexOf('/');
    if (slash < 0) return `the run has no thread ${who}`;
    const parent = ref.path.slice(0, slash);
    const seg = ref.path.slice(slash + 1);
    const index = seg.slice(0, seg.indexOf(':'));
    const body = seg.slice(seg.indexOf(':') + 1);
    if (!paths.has(parent)) return `the run has no thread ${who}: it has no ${parent}`;
    for (const p of paths.keys()) {
      if (p.startsWith(`${parent}/${index}:`) && p.indexOf('/', parent.length + 1) < 0) {
        return `the run has no thread ${who}: spawn ${index} of ${parent} runs '${p.slice(p.lastIndexOf(':') + 1)}', not '${body}' (the program changed?)`;
      }
    }
    let spawned = 0;
    for (const p of paths.keys()) if (p.startsWith(`${parent}/`) && p.indexOf('/', parent.length + 1) < 0) spawned++;
    return `the run has no thread ${who}: ${parent} spawned ${spawned} thread(s)`;
  }

  /** The anchor that names the current point. */
  anchorHere(): Anchor {
    const t = this.tcb;
    if (t === null) {
      const sym = this.k.code.symbolize(this.pc);
      const plus = sym.indexOf('+');
      const symbol = plus < 0 ? sym : sym.slice(0, plus);
      const offset = plus < 0 ? 0 : Number(sym.slice(plus + 1));
      const f = this.forThread;
      if (f !== null) {
        return { kind: 'pc', cpu: -1, at: { proc: this.proc, path: pathOf(f) }, symbol, offset, nth: this.threadArrivals.get(key(this.proc, f.id, this.pc)) ?? 0 };
      }
      const cpu = (this.cpu as Cpu).index;
      return { kind: 'pc', cpu, at: null, symbol, offset, nth: (this.arrivals[cpu] as Int32Array)[this.pc] as number };
    }
    const at: ThreadRef = { proc: this.proc, path: pathOf(t) };
    const seq = t.stack.seq;
    const ws = t.windows;
    const top = ws === null ? undefined : ws[ws.length - 1];
    if (top !== undefined) return { kind: 'window', at, window: top.name, entry: top.entry, offset: seq - top.at - 1, rest: this.rest };
    return { kind: 'thread', at, index: seq + 1, rest: this.rest };
  }

  /** Does `a` name the current point? `pc` anchors carry their resolved address. */
  matches(a: Anchor, pc: number): boolean {
    switch (a.kind) {
      case 'pc': {
        if (pc !== this.pc || this.tcb !== null) return false;
        if (a.at !== null) {
          const f = this.forThread;
          return f !== null && f.path === a.at.path && this.proc === a.at.proc && this.threadArrivals.get(key(this.proc, f.id, pc)) === a.nth;
        }
        if (a.cpu < 0) return this.anyArrivals[pc] === a.nth;
        return (this.cpu as Cpu).index === a.cpu && (this.arrivals[a.cpu] as Int32Array)[pc] === a.nth;
      }
      case 'thread': {
        const t = this.tcb;
        return t !== null && t.path === a.at.path && this.proc === a.at.proc && t.stack.seq + 1 === a.index && this.rest === a.rest;
      }
      case 'window': {
        const t = this.tcb;
        if (t === null || t.path !== a.at.path || this.proc !== a.at.proc || t.windows === null) return false;
        const top = t.windows[t.windows.length - 1];
        return top !== undefined && top.name === a.window && top.entry === a.entry && t.stack.seq - top.at - 1 === a.offset && this.rest === a.rest;
      }
      default:
        return false;
    }
  }

  /** The thread on cpu `cpuIndex` and the key of its touches of `page`, or null. */
  private touchKey(cpuIndex: number, page: number): { readonly at: ThreadRef; readonly key: string } | null {
    const cpu = this.k.cpus[cpuIndex];
    const d = cpu === undefined ? undefined : this.k.dcbs[cpu.dcbIndex];
    if (cpu === undefined || d === undefined || d.proc.daemon || cpu.stack === null) return null;
    const t = this.ulses[d.proc.id]?.threadOf(cpu.stack as Stack) ?? null;
    if (t === null) return null;
    return { at: { proc: d.proc.id, path: pathOf(t) }, key: `${d.proc.id}.${pathOf(t)}.${page}` };
  }

  /** Which touch of `page` by the thread on cpu `cpuIndex` this one would be (1-based), without counting it; null outside a thread. */
  peekTouch(cpuIndex: number, page: number): { readonly at: ThreadRef; readonly nth: number } | null {
    const tk = this.touchKey(cpuIndex, page);
    return tk === null ? null : { at: tk.at, nth: (this.touches.get(tk.key) ?? 0) + 1 };
  }

  /** Count a touch (a first attempt, not a retry after a page-in); returns what peekTouch said. */
  touch(cpuIndex: number, page: number): { readonly at: ThreadRef; readonly nth: number } | null {
    const tk = this.touchKey(cpuIndex, page);
    if (tk === null) return null;
    const nth = (this.touches.get(tk.key) ?? 0) + 1;
    this.touches.set(tk.key, nth);
    return { at: tk.at, nth };
  }

  /** Why `a` never matched in this run (for stale replay tokens). */
  whyMissed(a: Anchor, pc: number): string {
    switch (a.kind) {
      case 'pc': {
        const where = this.k.code.symbolize(pc);
        if (a.at !== null) {
          const id = this.idOf(a.at);
          if (id < 0) return this.noThread(a.at);
          return `dispatcher code reached ${where} ${this.threadArrivals.get(key(a.at.proc, id, pc)) ?? 0} time(s) working for ${formatThread(a.at)}, not ${a.nth}`;
        }
        const n = a.cpu < 0 ? this.anyArrivals[pc] : this.arrivals[a.cpu]?.[pc];
        return `${a.cpu < 0 ? 'the CPUs' : `cpu${a.cpu}`} reached ${where} ${String(n ?? 0)} time(s), not ${a.nth}`;
      }
      case 'thread':
      case 'window': {
        if (this.idOf(a.at) < 0) return this.noThread(a.at);
        const t = this.thread(a.at);
        if (t === null) return `${formatThread(a.at)} ran and was released before the run ended, never reaching that point`;
        if (a.kind === 'thread' && a.rest > 0 && t.stack.seq >= a.index - 1) {
          const n = this.rests.get(`${a.at.proc}.${t.id}.${a.index - 1}`) ?? 0;
          return `${formatThread(a.at)} had ${n} point(s) before instruction ${a.index} where the rest of instruction ${a.index - 1} was still to run, not ${a.rest}`;
        }
        if (a.kind === 'thread') return `${formatThread(a.at)} ran ${t.stack.seq} instruction(s), never reaching instruction ${a.index}`;
        const entries = t.windowEntries?.get(a.window) ?? 0;
        return entries < a.entry
          ? `${formatThread(a.at)} entered window '${a.window}' ${entries} time(s), not ${a.entry}`
          : `${formatThread(a.at)}'s pass #${a.entry} through '${a.window}' never reached offset ${a.offset}`;
      }
      default:
        return 'unknown anchor';
    }
  }

  /** First touches of `page` by thread `ref` in this run. */
  touchesOf(ref: ThreadRef, page: number): number {
    return this.touches.get(`${ref.proc}.${ref.path}.${page}`) ?? 0;
  }
}

/** A thread's path (paths are on whenever a tracker runs: TestDecisions.attach). */
function pathOf(t: Tcb): string {
  return t.path ?? `T${t.id}`;
}
