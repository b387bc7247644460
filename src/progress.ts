/**
 * The progress channel of runInWorker: a SharedArrayBuffer the worker writes as its run
 * goes, and the main thread reads when the host-time limit passes, to say what the
 * worker was doing even when it is stuck in a thread's code that never yields (the
 * worker cannot answer a message then; shared memory needs no answer).
 *
 * Invariants:
 *  1. Everything that names a stuck thread (its CPU, process, vCPU, label and last
 *     instruction) is written before the CPU resumes the thread's generator
 *     (ResumeWatch.enter), so it is in place while the thread's own code runs.
 *  2. Per resume the writer does a few typed-array stores. Strings are written once
 *     (routine names when attached, process and thread names the first time they run),
 *     and a thread's identity only when its CPU switches to another stack.
 *  3. The writer only observes: an attached machine runs exactly as an unwatched one.
 *  4. The reader never blocks and never trusts the buffer: a missing value reads as '?',
 *     never as an exception. Values are exact while the worker is stuck (nothing writes);
 *     while it runs they are a sample, which is all a "still running" report needs.
 */
import { OP_SYSCALL, OP_TRAP } from '../kernel-sim/abi';
import type { Routine, Stack } from '../kernel-sim/abi';
import { LEFT_RETURN, LEFT_YIELD, OP_NAMES } from '../kernel-sim/user-view';
import type { ResumeWatch } from '../kernel-sim/user-view';
import type { Cpu } from '../kernel-sim/cpu';
import type { Kernel } from '../kernel-sim/kernel';
import { Tcb } from '../runtime/tcb';
import type { Machine } from './machine';

/** What the worker is doing, as the header's phase word says. */
export type Phase = 'starting' | 'loading' | 'setup' | 'running' | 'reporting';
const PHASES: readonly Phase[] = ['starting', 'loading', 'setup', 'running', 'reporting'];

// Layout (Int32 words). Header: phase, where (cpu + 1 while that CPU runs thread code,
// -(cpu + 1) after it yielded, 0 before any), strings in the table.
const H_PHASE = 0;
const H_WHERE = 1;
const H_STRINGS = 2;
const HEADER = 4;
/** Per-CPU slot: process, vCPU, thread id, thread name, label prefix (string indices), last op, op detail, instructions. */
const S_PROC = 0;
const S_VCPU = 1;
const S_TID = 2;
const S_NAME = 3;
const S_PREFIX = 4;
const S_OP = 5;
const S_DETAIL = 6;
const S_SEQ = 7;
const SLOT = 8;
const MAX_CPUS = 256;
const MAX_STRINGS = 1024;
/** UTF-16 code units kept of each string (longer ones are cut). */
const STR_W = 64;
/** Float64 words: steps at the last checkpoint, then each CPU's clock at its last resume. */
const F_STEPS = 0;
const F_TIME = 1;

const I32_WORDS = HEADER + SLOT * MAX_CPUS + MAX_STRINGS;
const F64_OFFSET = I32_WORDS * 4;
const STR_OFFSET = F64_OFFSET + (1 + MAX_CPUS) * 8;
const BYTES = STR_OFFSET + MAX_STRINGS * STR_W * 2;
/** Last-op codes beyond the opcodes. */
const OP_RETURN = -1;
const OP_THROW = -2;
const OP_NONE = -3;
const OP_BAD = -4;

/** A fresh progress buffer (about 140 KB), all zero: phase 'starting'. */
export function progressBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(BYTES);
}

/** What a dispatcher's CPU writes for every thread it switches to (made once per dispatcher). */
interface DcbInfo {
  readonly proc: number;
  readonly vcpu: number;
  readonly prefix: number;
  /** Last op (packOp) of each thread of the process that left a CPU, by thread id. */
  readonly ops: number[];
}

/** The worker's side: phase and steps from the driver, identity and last op from every CPU of the attached machine. */
export class ProgressWriter implements ResumeWatch {
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly str: Uint16Array;
  private readonly interned = new Map<string, number>();
  /** Per CPU: the stack it last resumed, and where that thread's last op is kept when it leaves. */
  private readonly onCpu: (Stack | null)[] = [];
  private readonly opsOf: (number[] | null)[] = [];
  private readonly tidOf: number[] = [];
  private dcbInfo: (DcbInfo | undefined)[] = [];
  private procOps = new Map<object, number[]>();
  private routines = new Map<Routine, number>();
  private kernel: Kernel | null = null;

  constructor(buffer: SharedArrayBuffer) {
    this.i32 = new Int32Array(buffer, 0, I32_WORDS);
    this.f64 = new Float64Array(buffer, F64_OFFSET, 1 + MAX_CPUS);
    this.str = new Uint16Array(buffer, STR_OFFSET, MAX_STRINGS * STR_W);
  }

  phase(p: Phase): void {
    Atomics.store(this.i32, H_PHASE, PHASES.indexOf(p));
  }

  /** Instructions the machine has completed (the driver's checkpoint). */
  steps(n: number): void {
    this.f64[F_STEPS] = n;
  }

  /** Watch every CPU of `m` (before it runs; its processes are all added). */
  attach(m: Machine): void {
    const k = m.internals().kernel;
    this.kernel = k;
    this.routines = new Map(k.code.list().map((r) => [r, this.intern(r.name)] as const));
    this.dcbInfo = [];
    this.procOps = new Map();
    this.onCpu.length = this.opsOf.length = this.tidOf.length = 0;
    for (const c of k.cpus) {
      if (c.index >= MAX_CPUS) continue;
      this.onCpu.push(null);
      this.opsOf.push(null);
      this.tidOf.push(-1);
      c.watch = this;
    }
  }

  enter(cpu: Cpu, st: Stack): void {
    const i = cpu.index;
    const b = HEADER + SLOT * i;
    if (this.onCpu[i] !== st) this.switchTo(cpu, st, b);
    this.i32[b + S_SEQ] = st.seq;
    this.f64[F_TIME + i] = cpu.time;
    this.i32[H_WHERE] = i + 1;
  }

  leave(cpu: Cpu, how: number, op: unknown): void {
    const i = cpu.index;
    const b = HEADER + SLOT * i;
    const i32 = this.i32;
    i32[H_WHERE] = -(i + 1);
    if (how !== LEFT_YIELD) i32[b + S_OP] = how === LEFT_RETURN ? OP_RETURN : OP_THROW;
    else if (typeof op !== 'number' || (op | 0) !== op || op < 0 || op >= OP_NAMES.length) i32[b + S_OP] = OP_BAD;
    else {
      i32[b + S_OP] = op;
      // The operand that says most about a trap or a syscall: which routine, which call.
      if (op === OP_TRAP) i32[b + S_DETAIL] = this.routines.get(cpu.view.a0 as Routine) ?? -1;
      else if (op === OP_SYSCALL) i32[b + S_DETAIL] = typeof cpu.view.a0 === 'number' ? cpu.view.a0 | 0 : -1;
    }
  }

  /** A CPU resumes a stack other than its last: keep the old thread's last op, write the new one's identity. */
  private switchTo(cpu: Cpu, st: Stack, b: number): void {
    const i = cpu.index;
    const i32 = this.i32;
    const prev = this.opsOf[i];
    if (prev !== null && prev !== undefined) prev[this.tidOf[i] as number] = packOp(i32[b + S_OP] as number, i32[b + S_DETAIL] as number);
    this.onCpu[i] = st;
    const t = st.thread;
    const info = t instanceof Tcb ? this.infoOf(cpu.dcbIndex, t) : null;
    if (t instanceof Tcb && info !== null) {
      const packed = info.ops[t.id] ?? packOp(OP_NONE, 0);
      i32[b + S_PROC] = info.proc;
      i32[b + S_VCPU] = info.vcpu;
      i32[b + S_TID] = t.id;
      i32[b + S_NAME] = this.interned.get(t.name) ?? this.intern(t.name);
      i32[b + S_PREFIX] = info.prefix;
      i32[b + S_OP] = Math.floor(packed / 65536);
      i32[b + S_DETAIL] = (packed & 0xffff) === 0xffff ? -1 : packed & 0xffff;
      this.opsOf[i] = info.ops;
      this.tidOf[i] = t.id;
      return;
    }
    // A stack that is no runtime thread (kernel tests): its label, and no last op kept.
    i32[b + S_PROC] = -1;
    i32[b + S_VCPU] = -1;
    i32[b + S_TID] = -1;
    i32[b + S_NAME] = this.intern(st.label);
    i32[b + S_PREFIX] = -1;
    i32[b + S_OP] = OP_NONE;
    this.opsOf[i] = null;
  }

  private infoOf(dcbIndex: number, t: Tcb): DcbInfo | null {
    const known = this.dcbInfo[dcbIndex];
    if (known !== undefined) return known;
    const d = (this.kernel as Kernel).dcbs[dcbIndex];
    if (d === undefined) return null;
    let ops = this.procOps.get(d.proc);
    if (ops === undefined) this.procOps.set(d.proc, ops = []);
    // Made on the first switch, once the run has started (labelPrefix is set by then).
    const info: DcbInfo = { proc: this.intern(d.proc.name), vcpu: d.proc.dcbs.indexOf(d), prefix: this.intern(t.home.labelPrefix), ops };
    this.dcbInfo[dcbIndex] = info;
    return info;
  }

  /** Index of `s` in the string table (written on first use), or -1 when the table is full. */
  private intern(s: string): number {
    const known = this.interned.get(s);
    if (known !== undefined) return known;
    const n = this.interned.size;
    if (n >= MAX_STRINGS) return -1;
    const len = Math.min(s.length, STR_W);
    for (let j = 0; j < len; j++) this.str[n * STR_W + j] = s.charCodeAt(j);
    this.i32[HEADER + SLOT * MAX_CPUS + n] = len;
    this.interned.set(s, n);
    Atomics.store(this.i32, H_STRINGS, n + 1); // after the text: a reader sees whole strings only
    return n;
  }
}

/** An op and a 16-bit detail (-1: unknown) in one number, kept for a thread that left a CPU. */
function packOp(op: number, detail: number): number {
  return op * 65536 + (detail & 0xffff);
}

/** Where a thread stood at its CPU's last resume. */
export interface ThreadSpot {
  /** The thread's label, as reports print it (`T2(spinner)`, `server/T2(spinner)`). */
  readonly thread: string;
  readonly process: string;
  readonly vcpu: number;
  readonly cpu: number;
  /** Symbolic pc: thread code is `user`. */
  readonly pc: string;
  /** The last instruction the thread issued before this resume (`COMPUTE`, `TRAP yield`, `none` before its first). */
  readonly lastInstruction: string;
  /** Instructions the thread had executed before this resume. */
  readonly instructions: number;
  /** Simulated ns on its CPU at the resume. */
  readonly time: number;
}

export interface ProgressSnapshot {
  readonly phase: Phase;
  /** True while a thread's own code runs (the CPU resumed it and it has not yielded). */
  readonly inThread: boolean;
  /** The thread being run (inThread) or last run; null before any. */
  readonly spot: ThreadSpot | null;
  /** Instructions completed at the last checkpoint of the driver. */
  readonly steps: number;
}

/**
 * Read the buffer (main thread). While the worker is stuck nothing changes and the read is
 * exact; while it runs, the fields are a sample that may mix two neighbouring resumes.
 */
export function readProgress(buffer: SharedArrayBuffer): ProgressSnapshot {
  const i32 = new Int32Array(buffer, 0, I32_WORDS);
  const f64 = new Float64Array(buffer, F64_OFFSET, 1 + MAX_CPUS);
  const str = new Uint16Array(buffer, STR_OFFSET, MAX_STRINGS * STR_W);
  const where = Atomics.load(i32, H_WHERE);
  const strings = Atomics.load(i32, H_STRINGS);
  const text = (n: number): string | null => {
    if (!(n >= 0 && n < strings)) return null;
    const len = Math.max(0, Math.min(i32[HEADER + SLOT * MAX_CPUS + n] as number, STR_W));
    return String.fromCharCode(...str.subarray(n * STR_W, n * STR_W + len));
  };
  const cpu = Math.abs(where) - 1;
  return {
    phase: PHASES[Atomics.load(i32, H_PHASE)] ?? 'starting',
    inThread: where > 0,
    spot: cpu >= 0 && cpu < MAX_CPUS ? spotOf(i32, HEADER + SLOT * cpu, cpu, f64[F_TIME + cpu] as number, text) : null,
    steps: f64[F_STEPS] as number,
  };
}

/** Two reads that agree on everything: nothing ran in between (the worker is stuck). */
export function sameProgress(a: ProgressSnapshot, b: ProgressSnapshot): boolean {
  const x = a.spot;
  const y = b.spot;
  const spots = x === null || y === null ? x === y
    : x.cpu === y.cpu && x.thread === y.thread && x.instructions === y.instructions && x.time === y.time && x.lastInstruction === y.lastInstruction;
  return a.phase === b.phase && a.inThread === b.inThread && a.steps === b.steps && spots;
}

function spotOf(i32: Int32Array, b: number, cpu: number, time: number, text: (n: number) => string | null): ThreadSpot {
  const name = text(i32[b + S_NAME] as number) ?? '?';
  const tid = i32[b + S_TID] as number;
  // A thread's label as Tcb.label builds it: prefix, T<id>, (name); a stack that is no thread has its own label.
  const thread = tid < 0 ? name : `${text(i32[b + S_PREFIX] as number) ?? ''}T${tid}(${name})`;
  return {
    thread,
    process: text(i32[b + S_PROC] as number) ?? '?',
    vcpu: i32[b + S_VCPU] as number,
    cpu,
    pc: 'user',
    lastInstruction: opName(i32[b + S_OP] as number, i32[b + S_DETAIL] as number, text),
    instructions: i32[b + S_SEQ] as number,
    time,
  };
}

function opName(op: number, detail: number, text: (n: number) => string | null): string {
  if (op === OP_NONE) return 'none';
  if (op === OP_BAD) return 'an illegal instruction';
  if (op === OP_RETURN) return 'RETURN (a frame returned)';
  if (op === OP_THROW) return 'THROW (a frame threw)';
  if (op === OP_TRAP) return `TRAP ${text(detail) ?? '?'}`;
  if (op === OP_SYSCALL) return `SYSCALL ${detail}`;
  return OP_NAMES[op] ?? `op ${op}`;
}
