/**
 * Race windows as a test selects them: which instructions count (PCT's k, exhaustive
 * placements, schedule ordinals) and how a landing is labelled for coverage.
 *
 * Names:
 *  - a routine of the code map (`resume`, `run`, `sched`, `yield`, `block`, `sleep`,
 *    `exit`, `init`, `pagefault`, `trap`, `recover_done`, `kt_*`): its instructions;
 *  - `dispatcher`: every routine; `switch`: the routines of a thread switch in progress
 *    (yield, block, sleep, exit, sched, resume and their kernel-thread forms);
 *  - `user`: all thread code;
 *  - `spinlock`: thread code holding a SpinLock; `critical`: thread code inside a
 *    critical section of the user level (run disabled, or counted in recover mode);
 *  - `all`: every instruction of the application processes;
 *  - any other name: an application window (runtime/window.ts, `enterWindow`).
 *
 * Invariants:
 *  1. An empty selection counts every instruction (as `all`).
 *  2. Labels are computed only at landings; `contains` is the per-instruction fast path.
 */
import type { CodeMap } from '../../kernel-sim/codemap';
import { USER_PC } from '../../kernel-sim/codemap';
import type { Cpu } from '../../kernel-sim/cpu';
import type { Tcb } from '../../runtime/tcb';

export const BUILTIN_WINDOWS: readonly string[] = ['dispatcher', 'switch', 'user', 'spinlock', 'critical', 'all'];

/** The routines of a thread switch in progress (the `switch` window). */
export const SWITCH_ROUTINES: readonly string[] = ['yield', 'block', 'sleep', 'exit', 'sched', 'resume', 'kt_yield', 'kt_block', 'kt_sleep', 'kt_exit'];

export class Windows {
  /** 1 at every code address inside a selected routine window. */
  private readonly pcs: Uint8Array;
  private readonly all: boolean;
  private readonly user: boolean;
  private readonly spinlock: boolean;
  private readonly critical: boolean;
  private readonly app: readonly string[];

  constructor(readonly names: readonly string[], private readonly code: CodeMap) {
    this.pcs = new Uint8Array(code.limit);
    const routines = code.list();
    const app: string[] = [];
    for (const n of names) {
      if (n === 'dispatcher') {
        for (const r of routines) this.mark(code.baseOf(r), r.size);
      } else if (n === 'switch') {
        for (const r of routines) if (SWITCH_ROUTINES.includes(r.name)) this.mark(code.baseOf(r), r.size);
      } else if (!BUILTIN_WINDOWS.includes(n)) {
        const r = routines.find((x) => x.name === n);
        if (r !== undefined) this.mark(code.baseOf(r), r.size);
        else app.push(n);
      }
    }
    this.all = names.length === 0 || names.includes('all');
    this.user = names.includes('user');
    this.spinlock = names.includes('spinlock');
    this.critical = names.includes('critical');
    this.app = app;
  }

  private mark(base: number, size: number): void {
    this.pcs.fill(1, base, base + size);
  }

  /** Is the instruction about to run on `cpu` at `pc` (thread `t`, or null in dispatcher code) selected? */
  contains(cpu: Cpu, pc: number, t: Tcb | null): boolean {
    if (this.all) return true;
    if (this.pcs[pc] === 1) return true;
    if (t === null) return false;
    if (this.user) return true;
    if (this.spinlock && t.locksHeld > 0) return true;
    if (this.critical && inCritical(cpu, t)) return true;
    const ws = t.windows;
    if (ws !== null && ws.length > 0 && this.app.length > 0) {
      for (const w of ws) if (this.app.includes(w.name)) return true;
    }
    return false;
  }

  /** Every label of the point (selected or not), for coverage: routine and `dispatcher`, or `user` and the thread's windows. */
  labels(cpu: Cpu, pc: number, t: Tcb | null): string[] {
    if (pc !== USER_PC || t === null) {
      const sym = this.code.symbolize(pc);
      const plus = sym.indexOf('+');
      return [plus < 0 ? sym : sym.slice(0, plus), 'dispatcher'];
    }
    const out = ['user'];
    if (t.locksHeld > 0) out.push('spinlock');
    if (inCritical(cpu, t)) out.push('critical');
    if (t.windows !== null) for (const w of t.windows) if (!out.includes(w.name)) out.push(w.name);
    return out;
  }
}

/** Thread code inside a critical section of the user level. */
function inCritical(cpu: Cpu, t: Tcb): boolean {
  const s = cpu.shared;
  return t.spinDepth > 0 || (s !== null && s.disabled !== 0 && !s.kthread);
}
