/**
 * A physical CPU: a clock and the register file of whatever context it is running,
 * stepped one instruction at a time by the machine loop (the trampoline).
 *
 * Invariants:
 *  1. Only step() resumes generators; simulated code never calls next() itself.
 *  2. Interrupts land only between steps. A compute instruction that an interrupt
 *     splits leaves its remainder as `pendingOp`, re-executed on resume.
 *  3. A stack is live on at most one CPU; capturing a context takes it off the CPU.
 *  4. Restoring a GenContext is one-shot and must match its stack's seq (layer 3).
 *  5. A spin (a failed acquire, atomics.ts) is not progress; `spinRun` counts them in a
 *     row. An instruction issued with `waits` (a yield) is no progress either, but it
 *     ends a run of spins.
 */
import {
  OP_CALL, OP_CAS, OP_COMPUTE, OP_COUNT, OP_DISABLE, OP_ENABLE, OP_FAA, OP_LIB, OP_LOAD,
  OP_NOP, OP_NOW, OP_STORE, OP_SYSCALL, OP_TAS, OP_TOUCH, OP_TRAP, RUNNING,
} from './abi';
import type {
  Cell, Context, DispatcherShared, Frame, GenContext, LibFn, Routine, SmContext, SmExec, Stack,
} from './abi';
import { USER_PC } from './codemap';
import { type Costs, P_INSTRUCTION, P_PROCEDURE_CALL } from './costs';
import { atomic, testAndSet } from './atomics';
import { ContextCorruption, panic } from './errors';
import { clearRegs, isFrame, isPrim, LEFT_RETURN, LEFT_THROW, LEFT_YIELD, OP_NAMES, type ResumeWatch, UserView } from './user-view';
import type { Kernel } from './kernel';

export const MODE_IDLE = 0;
export const MODE_GEN = 1;
export const MODE_SM = 2;

export class Cpu implements SmExec {
  // --- clock (owned by the machine loop and the kernel) ---
  time = 0;
  /** Set when the last instruction was a compute ending at `time` (it may be split). */
  computeFrom = -1;

  // --- what runs (kernel-owned) ---
  mode = MODE_IDLE;
  dcbIndex = -1;
  /** Shared record of the dispatcher on this CPU (kept by Kernel.dispatch). */
  shared: DispatcherShared | null = null;
  /** The dispatcher belongs to an application (not a kernel daemon): its thread code is program progress. */
  countsProgress = true;

  // --- generator register file ---
  stack: Stack | null = null;
  value: unknown = undefined;
  throwing = false;
  pendingOp = -1;
  pendingArg: unknown = undefined;

  // --- state-machine register file ---
  routine: Routine | null = null;
  /** The routine the last TRAP entered, known to be of this machine's code map. */
  private trapOk: Routine | null = null;
  /** Kernel.pcOf's cache: the code-map base of `baseRoutine` (a routine of this CPU's machine). */
  baseRoutine: Routine | null = null;
  base = 0;
  pc = 0;
  r0: unknown = undefined;
  r1: unknown = undefined;
  r2: unknown = undefined;
  r3: unknown = undefined;
  /** Charges of the current dispatcher instruction (ns), and whether it still costs the default `instruction`. */
  private pend = 0;
  private dflt = true;

  // --- spin accounting (invariant 5) ---
  /** Failed acquires in a row (reset by any other instruction). */
  spinRun = 0;
  /** Failed acquires in all. */
  spins = 0;
  /** The word of the last failed acquire. */
  spinCell: Cell | null = null;
  /** Set by the current instruction when it was a failed acquire. */
  private spun = false;
  /** The current instruction re-executes a pending one (a split compute's rest, a touch after its page-in). */
  retrying = false;

  // --- a kernel entry requested by the current instruction ---
  sysNum = 0;
  sysA1: unknown = undefined;
  sysA2: unknown = undefined;

  readonly costs: Costs;
  /** The cost table by primitive index, and the machine's count of charges per primitive. */
  private readonly price: readonly number[];
  private readonly counts: number[];
  /** The address space loaded on this CPU (0: none yet; kernel daemons leave it as it is). */
  space = 0;
  /** What generator code sees of this CPU, and its operand registers. */
  readonly view: UserView;
  /** Told around every resume of thread code (runInWorker's watchdog); null, the default, costs one check. */
  watch: ResumeWatch | null = null;

  constructor(readonly index: number, private readonly k: Kernel) {
    this.costs = k.costs;
    this.price = k.price;
    this.counts = k.charged;
    this.view = new UserView(this);
  }

  /** Charge primitive p, n times, to this CPU now (kernel work, or an instruction's own cost). */
  charge(p: number, n = 1): void {
    this.time += (this.price[p] as number) * n;
    this.counts[p] = (this.counts[p] as number) + n;
  }

  use(p: number, n = 1): void {
    this.dflt = false;
    this.add(p, n);
  }

  add(p: number, n = 1): void {
    this.pend += (this.price[p] as number) * n;
    this.counts[p] = (this.counts[p] as number) + n;
  }

  work(ns: number): void {
    this.pend += ns;
    this.k.daemonNs += ns;
  }

  contextPc(ctx: Context): number {
    return this.k.code.contextPc(ctx);
  }

  get now(): number {
    return this.time;
  }

  get disp(): DispatcherShared {
    return this.shared ?? this.k.sharedOf(this);
  }

  report(layer: 1 | 2 | 3, what: string): void {
    this.k.violation(this, layer, what);
  }

  trace(kind: string, a: number, b: number): void {
    this.k.trace.add(this.time, this.index, kind, a, b);
  }

  symbolize(pc: number): string {
    return this.k.code.symbolize(pc);
  }

  /** Execute one instruction. */
  step(): void {
    this.computeFrom = -1;
    if (this.mode === MODE_GEN) this.stepGen();
    else if (this.mode === MODE_SM) this.stepSm();
    else panic('cpu.step', `cpu${this.index} stepped while idle`);
  }

  private stepSm(): void {
    this.pend = 0;
    this.dflt = true;
    (this.routine as Routine).step(this);
    if (this.dflt) this.charge(P_INSTRUCTION);
    this.time += this.pend;
    if (this.spun) this.spun = false;
    else this.spinRun = 0;
    if (this.sysNum !== 0) this.k.syscall(this);
  }

  private stepGen(): void {
    let op: number;
    const v = this.view;
    this.retrying = this.pendingOp >= 0;
    if (this.retrying) {
      op = this.pendingOp;
      v.a0 = this.pendingArg;
      this.pendingOp = -1;
    } else {
      const st = this.stack as Stack;
      const frames = st.frames;
      const f = frames[frames.length - 1] as Frame;
      let r: IteratorResult<number, unknown>;
      const outer = RUNNING.cpu; // restored after the resume: nested machines see their own
      const w = this.watch;
      if (w !== null) w.enter(this, st); // before the thread's own code runs: it may never yield
      RUNNING.cpu = v;
      try {
        r = this.throwing ? f.throw(this.value) : f.next(this.value);
      } catch (err) {
        RUNNING.cpu = outer;
        if (w !== null) w.leave(this, LEFT_THROW, undefined);
        clearRegs(v);
        v.waits = false;
        st.seq++;
        frames.pop();
        this.k.progress++;
        if (frames.length === 0) return this.enterExit(st, err, true);
        this.value = err;
        this.throwing = true;
        this.charge(P_INSTRUCTION); // the unwinding return (the CALL paid for call and return)
        return;
      }
      RUNNING.cpu = outer;
      if (w !== null) w.leave(this, r.done === true ? LEFT_RETURN : LEFT_YIELD, r.value);
      st.seq++;
      this.throwing = false;
      if (r.done === true) {
        clearRegs(v);
        v.waits = false;
        if (this.countsProgress) this.k.progress++;
        frames.pop();
        if (frames.length === 0) return this.enterExit(st, r.value, false);
        this.value = r.value;
        this.charge(P_INSTRUCTION); // the return (the CALL paid for call and return)
        return;
      }
      op = r.value;
      if (typeof op !== 'number' || !(op >= 0 && op < OP_COUNT) || (op | 0) !== op) {
        this.value = undefined;
        clearRegs(v);
        v.waits = false;
        return this.k.trap(this, 'illegal-instruction', op);
      }
    }
    this.exec(op, v);
    clearRegs(v);
    if (this.spun) {
      this.spun = false;
      v.waits = false;
    } else {
      this.spinRun = 0;
      // Waiting for another thread (a yield) is not progress (invariant 5).
      if (v.waits) v.waits = false;
      else if (this.countsProgress) this.k.progress++;
    }
  }

  private exec(op: number, v: UserView): void {
    switch (op) {
      case OP_NOP:
        this.value = undefined;
        this.charge(P_INSTRUCTION);
        return;
      case OP_COMPUTE: {
        const ns = v.a0 as number;
        this.value = undefined;
        // A safe integer: past 2^53 the clock could no longer count single nanoseconds.
        if (typeof ns !== 'number' || !Number.isSafeInteger(ns) || ns < 0) return this.badOperand(op, `COMPUTE needs a whole number of ns >= 0 (a safe integer), got ${String(ns)}`);
        this.computeFrom = this.time;
        if (ns > 0) {
          this.time += ns;
          this.k.computeNs += ns;
        } else this.charge(P_INSTRUCTION);
        return;
      }
      case OP_CALL:
        if (!isFrame(v.a0)) return this.badOperand(op, 'CALL needs a generator object');
        (this.stack as Stack).frames.push(v.a0);
        this.value = undefined;
        this.charge(P_PROCEDURE_CALL);
        return;
      case OP_TRAP: {
        const routine = v.a0 as Routine;
        // The operand is user-written: it must be a routine of this machine's code map
        // (the last one that passed is remembered; a machine's code map never changes).
        if (routine !== this.trapOk || routine === null) {
          if (!this.k.code.has(routine)) return this.badOperand(op, 'TRAP needs a dispatcher routine of this machine');
          this.trapOk = routine;
        }
        const a1 = v.a1;
        const a2 = v.a2;
        // A TRAP returns nothing: the continuation must not carry the previous
        // instruction's result (it would be held for as long as the thread waits).
        this.value = undefined;
        const cont = this.captureGen();
        (this.shared as DispatcherShared).disabled = 1;
        this.enterRoutine(routine, 0, cont, a1, a2);
        this.charge(P_INSTRUCTION);
        return;
      }
      case OP_SYSCALL:
        if (typeof v.a0 !== 'number' || !Number.isInteger(v.a0)) return this.badOperand(op, 'SYSCALL needs a syscall number');
        this.sysNum = v.a0;
        this.sysA1 = v.a1;
        this.sysA2 = v.a2;
        this.charge(P_INSTRUCTION);
        this.k.syscall(this);
        return;
      case OP_DISABLE:
        (this.shared as DispatcherShared).disabled = 1;
        this.value = undefined;
        this.charge(P_INSTRUCTION);
        return;
      case OP_ENABLE:
        (this.shared as DispatcherShared).disabled = 0;
        this.value = undefined;
        this.charge(P_INSTRUCTION);
        return;
      case OP_LOAD:
      case OP_STORE:
      case OP_TAS:
      case OP_CAS:
      case OP_FAA:
        return atomic(this, op, v);
      case OP_LIB: {
        const fn = v.a0;
        const prim = v.a2 === undefined ? P_INSTRUCTION : v.a2;
        if (typeof fn !== 'function' || !isPrim(prim)) return this.badOperand(op, 'a library call needs a function and a cost primitive');
        const arg = v.a1;
        clearRegs(v);
        const outer = RUNNING.cpu;
        RUNNING.cpu = v;
        try {
          this.value = (fn as LibFn)(v, arg);
        } catch (e) {
          // A library call's error is the calling frame's, as if thrown there (spawn of a
          // body that is no generator function: the spawning thread can catch it).
          this.value = e;
          this.throwing = true;
        } finally {
          RUNNING.cpu = outer;
        }
        this.charge(prim);
        return;
      }
      case OP_TOUCH: {
        const page = v.a0;
        if (typeof page !== 'number' || !Number.isInteger(page) || page < 0) return this.badOperand(op, 'TOUCH needs a page number >= 0');
        this.value = undefined;
        if (this.k.access(this, page)) {
          this.charge(P_INSTRUCTION);
          return;
        }
        this.pendingOp = OP_TOUCH;
        this.pendingArg = page;
        return this.k.pageFault(this, page);
      }
      case OP_NOW:
        this.value = this.time;
        this.charge(P_INSTRUCTION);
        return;
      default:
        return this.k.trap(this, 'illegal-instruction', op);
    }
  }

  /**
   * Root frame returned or threw: enter the stack's exit routine as by TRAP. The return
   * pays for the thread start's call of its body (a procedure call and return).
   */
  private enterExit(st: Stack, v: unknown, threw: boolean): void {
    const cont = this.captureGen();
    (this.shared as DispatcherShared).disabled = 1;
    this.enterRoutine(st.exit, 0, cont, v, threw);
    this.charge(P_PROCEDURE_CALL);
  }

  /** An opcode found its operands wrong: a `bad-operand` trap naming the instruction and what it needs. */
  badOperand(op: number, what: string): void {
    this.value = undefined;
    return this.k.trap(this, 'bad-operand', `${OP_NAMES[op] ?? op}: ${what}`);
  }

  // --- context capture and load ---------------------------------------------------

  /** Snapshot the live generator state and take the stack off this CPU. */
  captureGen(): GenContext {
    const st = this.stack as Stack;
    const ctx: GenContext = {
      kind: 'gen', id: this.k.nextContextId++, stack: st, seq: st.seq, value: this.value,
      throwing: this.throwing, pendingOp: this.pendingOp, pendingArg: this.pendingArg,
      pc: USER_PC, used: false,
    };
    this.stack = null;
    this.pendingOp = -1;
    this.pendingArg = undefined;
    this.value = undefined;
    this.throwing = false;
    this.mode = MODE_IDLE;
    st.live = false;
    return ctx;
  }

  captureSm(): SmContext {
    const ctx: SmContext = {
      kind: 'sm', id: this.k.nextContextId++, routine: this.routine as Routine, pc: this.pc,
      r0: this.r0, r1: this.r1, r2: this.r2, r3: this.r3,
    };
    this.mode = MODE_IDLE;
    return ctx;
  }

  /**
   * Drop whatever runs here without saving it (its process was faulted, possibly in the
   * middle of an instruction): every register is cleared and the CPU is idle.
   */
  abandon(): void {
    const st = this.stack;
    if (st !== null) st.live = false;
    this.stack = null;
    this.value = undefined;
    this.throwing = false;
    this.pendingOp = -1;
    this.pendingArg = undefined;
    this.routine = null;
    this.pc = 0;
    this.r0 = this.r1 = this.r2 = this.r3 = undefined;
    this.pend = 0;
    this.dflt = true;
    this.sysNum = 0;
    this.sysA1 = this.sysA2 = undefined;
    this.spinRun = 0;
    this.spun = false;
    this.retrying = false;
    this.computeFrom = -1;
    clearRegs(this.view);
    this.view.waits = false;
    this.mode = MODE_IDLE;
  }

  /** Capture whatever runs (the interrupted context). */
  capture(): Context {
    if (this.mode === MODE_GEN) return this.captureGen();
    if (this.mode === MODE_SM) return this.captureSm();
    return panic('cpu.capture', `cpu${this.index} has no context to capture`);
  }

  /** Load a saved context (detection layer 3 for generator contexts). */
  load(ctx: Context): void {
    if (ctx.kind === 'sm') {
      this.mode = MODE_SM;
      this.routine = ctx.routine;
      this.pc = ctx.pc;
      this.r0 = ctx.r0;
      this.r1 = ctx.r1;
      this.r2 = ctx.r2;
      this.r3 = ctx.r3;
      return;
    }
    const st = ctx.stack;
    // Owner check: a stack carries its process's token; another process's stack is
    // never run here (a forged context naming a victim's thread). An unstamped stack
    // (kernel tests) is bound to the first process that restores it.
    const token = this.k.dcbs[this.dcbIndex]?.proc.token ?? null;
    if (st.home === null) st.home = token;
    else if (st.home !== token) this.corrupt(`${st.label} belongs to another process than ${this.shared?.name ?? 'this dispatcher'}`);
    if (ctx.used) this.corrupt(`context #${ctx.id} of ${st.label} restored twice (a doubly-run thread)`);
    if (ctx.seq !== st.seq) this.corrupt(`stale context #${ctx.id} of ${st.label}: saved at step ${ctx.seq}, stack is at ${st.seq}`);
    if (st.live) this.corrupt(`${st.label} restored while already running on another CPU`);
    ctx.used = true;
    st.live = true;
    this.mode = MODE_GEN;
    this.stack = st;
    this.value = ctx.value;
    this.throwing = ctx.throwing;
    this.pendingOp = ctx.pendingOp;
    this.pendingArg = ctx.pendingArg;
  }

  private corrupt(what: string): never {
    this.k.violation(this, 3, what);
    throw new ContextCorruption(`cpu${this.index} at t=${this.time}: ${what}`);
  }

  /** Begin executing a routine at local pc with registers. */
  enterRoutine(routine: Routine, pc: number, r0: unknown, r1: unknown, r2: unknown): void {
    this.mode = MODE_SM;
    this.routine = routine;
    this.pc = pc;
    this.r0 = r0;
    this.r1 = r1;
    this.r2 = r2;
    this.r3 = undefined;
  }

  /** Test-and-set (the instruction's effect; the caller charges its cost). */
  tas(cell: Cell): number {
    return testAndSet(this, cell);
  }

  /** Whose code runs: the thread's stack, or the dispatcher's record (who took a word). */
  runningFor(): Stack | DispatcherShared | null {
    return this.mode === MODE_GEN ? this.stack : this.shared;
  }

  /** A failed acquire on `cell`: a spin (invariant 5). */
  noteSpin(cell: Cell): void {
    this.spun = true;
    this.spins++;
    this.spinRun++;
    this.spinCell = cell;
  }

  // --- SmExec effects ------------------------------------------------------------------

  goto(routine: Routine, pc: number): void {
    this.routine = routine;
    this.pc = pc;
  }

  jump(ctx: Context): void {
    this.load(ctx);
  }

  syscall(num: number, a1?: unknown, a2?: unknown): void {
    this.sysNum = num;
    this.sysA1 = a1;
    this.sysA2 = a2;
  }
}
