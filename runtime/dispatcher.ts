/**
 * The user half of the dispatch protocol (Barrelfish disp_run + thread_run_disabled;
 * DESIGN 3): the run upcall, the scheduler step (`sched`), `resume`, the one switch
 * (switchTo) and storeContext; making threads ready under the sched lock is ready.ts.
 * The kernel half is kernel-sim/protocol.ts.
 *
 * User-level rules:
 *  U1. disable/enable are plain stores; scheduler code runs disabled, so it is never
 *      re-entered on its vCPU. Every routine asserts at its first pc that it runs
 *      disabled (assertDisabled).
 *  U2. The run upcall (entered disabled by the kernel, R3) drains the notices, fires due
 *      timers, saves the thread an interrupt stopped from the enabled area into its TCB,
 *      and goes to `sched`, which picks the next thread and resumes it (or gives the vCPU
 *      back to the kernel).
 *  U3. resume(t) is the critical region: it clears `disabled` first, restores the
 *      thread's state in two steps, then jumps; its pcs are [critLow, critHigh), so an
 *      interrupt inside it is treated as disabled (R1) and the restore simply finishes.
 *      RACE WINDOW: between resume+0 (the bit cleared) and resume+3 (the jump).
 *  U4. A thread that yields, blocks or exits traps in disabled, is saved into its TCB
 *      (storeContext, detection layer 2), and switches; it returns enabled.
 *  U5. This file is the only code that sets a vCPU's `current` (setCurrent) or clears
 *      `disabled` (resume, and the enable instruction of csLeave); thread states change
 *      only through Tcb.transition.
 *  U6. The sched lock (a test-and-set word) guards the run queue, thread states, joiner
 *      links and the `idle` flags; vCPUs of one process interleave on it.
 *
 * Register conventions (SmExec r0..r3) of the routines here:
 *  run:    r0 = udisp when entered by the kernel (else null); r3 = vCPU to wake.
 *  sched:  r1 = the thread picked (or null); r2 = idle spin count or start time;
 *          r3 = vCPU to wake, or REQUEST_VCPU.
 *  resume: r0 = the thread whose TCB slot to load; r1 = the context loaded.
 * Drain and recovery are handed in by the runtime (Uls.upcalls), so this file imports
 * neither (no import cycle).
 */
import { pickThread } from './policy/policy';
import {
  OP_DISABLE, OP_ENABLE, P_ATOMIC, P_INSTRUCTION, P_USER_RESTORE, P_USER_SAVE, REQUEST_VCPU, RUNNING, SYS_EXIT, SYS_RECYCLE,
  SYS_REQUEST_VCPUS, SYS_VCPU_IDLE, SYS_WAKE, SYS_YIELD,
} from '../kernel-sim/abi';
import type { Cell, Context, CpuView, Routine, SmExec } from '../kernel-sim/abi';
import { panic } from './errors';
import { lib, trapOp } from './instr';
import { earliestTimer, fireTimersLocked, makeReadyLocked, requeueDeferredLocked } from './ready';
import type { Tcb } from './tcb';
import type { Uls, Vcpu } from './uls';

/** Spent activations returned per SYS_RECYCLE (the bulk downcall). */
export const RECYCLE_BATCH = 8;
/** Instructions an idle vCPU spins looking for work before the vcpuIdle downcall. */
export const IDLE_SPIN = 8;

// --- the vCPU's current thread, and its TCB slot (U4, U5) -----------------------------

/** U5: the one writer of a vCPU's `current`. */
export function setCurrent(v: Vcpu, t: Tcb | null): void {
  v.current = t;
}

/** U1: a routine checks at its first pc that the vCPU is disabled. */
export function assertDisabled(x: SmExec, routine: string): void {
  const s = x.disp;
  if (s.disabled === 0 && !s.kthread) panic(routine, `entered while ${s.name} is enabled (disabled = 0)`);
}

/** The vCPU record in udisp, which the process can overwrite: it must be this dispatcher's own (else the process faults itself). */
export function vcpuOfExec(x: SmExec): Vcpu {
  const s = x.disp;
  const v = s.udisp as Vcpu | null;
  if (v === null || typeof v !== 'object' || v.shared !== s) panic('dispatcher', `${s.name}.udisp is not this dispatcher's vCPU record`);
  return v;
}

export function currentOf(v: Vcpu, where: string): Tcb {
  const t = v.current;
  return t === null ? panic(where, `vCPU ${v.index} has no current thread`) : t;
}

/** Pending wake register (r3): a vCPU index to notify after unlocking, or -1. */
export function pendingWake(x: SmExec): number {
  return typeof x.r3 === 'number' ? x.r3 : -1;
}

/**
 * Store a context into t's TCB slot (detection layer 2): the context must be t's own,
 * and it must not overwrite a continuation of t that was never resumed (that would
 * lose the thread) unless the new context still holds it in a register.
 */
export function storeContext(cpu: CpuView, t: Tcb, ctx: Context | null): void {
  if (ctx === null) panic('storeContext', `${t.label}: nothing to store`);
  if (ctx.kind === 'sm') {
    cpu.report(2, `TCB of ${t.label} receives a foreign context: dispatcher code at ${cpu.symbolize(cpu.contextPc(ctx))}`);
  } else if (ctx.stack !== t.stack) {
    cpu.report(2, `TCB of ${t.label} receives a context of another stack (${ctx.stack.label})`);
  }
  const old = t.saved;
  if (old !== null && old !== ctx && old.kind === 'gen' && !old.used && !holds(ctx, old)) {
    cpu.report(2, `TCB of ${t.label}: unresumed continuation #${old.id} overwritten by #${ctx.id}; the thread is lost`);
  }
  t.saved = ctx;
}

function holds(ctx: Context, old: Context): boolean {
  return ctx.kind === 'sm' && (ctx.r0 === old || ctx.r1 === old || ctx.r2 === old || ctx.r3 === old);
}

// --- locks and the switch ---------------------------------------------------------------

/** Test-and-set `cell`; continue at `next` when acquired, else spin at the same pc. */
export function lockStep(x: SmExec, cell: Cell, next: number): void {
  x.use(P_ATOMIC);
  if (x.tas(cell) === 0) x.pc = next;
}

/** Failed attempts after which a 1:1 kernel thread gives its processor away instead of spinning on. */
export const SPIN_THEN_YIELD = 32;

/**
 * Test-and-set the process's sched lock; continue at `next` when acquired. Under 1:1,
 * after SPIN_THEN_YIELD failures the kernel thread yields (the holder may be preempted).
 * Recover mode: when the attempt fails and a notice newer than the last look hands this
 * vCPU a thread caught inside a critical section (the kernel cannot preempt a disabled
 * spinner to deliver it), `park` puts the routine's own thread somewhere the lock holder
 * will finish it, and the run upcall recovers (null: nothing to park, this is the run
 * upcall itself).
 */
export function schedLockStep(x: SmExec, v: Vcpu, next: number, park: ((x: SmExec, v: Vcpu) => void) | null): void {
  x.use(P_ATOMIC);
  if (x.tas(v.uls.sched) === 0) {
    x.pc = next;
    v.spins = 0;
    return;
  }
  const s = x.disp;
  if (v.uls.mapping === '1:1' && ++v.spins >= SPIN_THEN_YIELD) {
    v.spins = 0;
    s.haswork = 1;
    x.syscall(SYS_YIELD); // this pc runs again on return
    return;
  }
  if (v.uls.cs !== 'recover' || s.delivered === v.noticeMark) return;
  v.noticeMark = s.delivered;
  if (!v.uls.upcalls.recoverable(v, s.events)) return;
  if (park !== null) park(x, v);
  x.r0 = null; // entered by a routine, not by the kernel (not counted as a run upcall)
  x.goto(run, 0);
}

/** The one switch: t (just picked, ready) becomes current on v and is resumed. */
export function switchTo(x: SmExec, v: Vcpu, t: Tcb, from: Tcb['state']): void {
  t.transition(from, 'running', x.now);
  t.switches++;
  setCurrent(v, t);
}

/** Go to resume(t), counting the switch. */
export function resumeThread(x: SmExec, v: Vcpu, t: Tcb): void {
  v.uls.switches++;
  x.r0 = t;
  x.goto(resume, 0);
}

// --- the routines --------------------------------------------------------------------------

/** U2: the run upcall. */
export const run: Routine = {
  name: 'run',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    const s = x.disp;
    switch (x.pc) {
      case 0: {
        assertDisabled(x, 'run');
        if (x.r0 === v) v.runUpcalls++; // entered by the kernel (r0 = udisp), not by a loop
        x.r3 = -1;
        // Recover mode: before any lock, continue a thread caught inside a critical section.
        const t = v.uls.cs === 'recover' ? v.uls.upcalls.recoveryCandidate(x, v) : null;
        if (t !== null) {
          t.recovering = true;
          v.uls.recoveries++;
          setCurrent(v, t);
          x.trace('recover', t.id, t.spinDepth);
          x.r0 = t;
          x.goto(resume, 0);
          return;
        }
        x.pc = 1;
        return;
      }
      case 1:
        schedLockStep(x, v, 2, null); // back to pc 0 when a notice brings a thread to recover
        return;
      case 2: {
        v.idle = false;
        const requeued = requeueDeferredLocked(x, v);
        const ev = v.uls.upcalls.drain(x, v, true);
        if (ev.wake !== -1) x.r3 = ev.wake;
        const { wake, fired } = fireTimersLocked(v, x.now, pendingWake(x) === -1);
        if (wake !== -1) x.r3 = wake;
        x.use(P_INSTRUCTION, 1 + requeued + fired + ev.handled);
        x.pc = 3;
        return;
      }
      case 3: {
        const t = v.current;
        if (t !== null && s.enabledArea !== null) {
          storeContext(x, t, s.enabledArea);
          s.enabledArea = null; // consumed: a later upcall never stores it twice
          const w = makeReadyLocked(v, t, 'preempt', x.now, pendingWake(x) === -1);
          if (w !== -1) x.r3 = w;
          setCurrent(v, null);
          x.use(P_USER_SAVE);
        }
        x.pc = 4;
        return;
      }
      case 4:
        x.goto(sched, 0);
        return;
      default:
        panic('run', `bad pc ${x.pc}`);
    }
  },
};

/** U2: the scheduler step every path ends in, entered with the sched lock held. */
export const sched: Routine = {
  name: 'sched',
  size: 7,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        assertDisabled(x, 'sched');
        const s = x.disp;
        const requeued = requeueDeferredLocked(x, v);
        if (requeued > 0) x.add(P_INSTRUCTION, requeued);
        if (s.delivered !== s.seen) {
          const ev = v.uls.upcalls.drain(x, v, pendingWake(x) === -1);
          if (ev.wake >= 0) x.r3 = ev.wake;
          x.add(P_INSTRUCTION, ev.handled);
        }
        const first = v.uls.timers.peek();
        if (first !== undefined && first.until <= x.now) {
          const fired = fireTimersLocked(v, x.now, pendingWake(x) === -1);
          if (fired.wake !== -1) x.r3 = fired.wake;
          x.add(P_INSTRUCTION, fired.fired);
        }
        const next = pickThread(v.uls.policy, v.uls.pick, v.index);
        if (next !== null) {
          switchTo(x, v, next, 'ready');
          v.idle = false;
        } else {
          setCurrent(v, null);
          v.idle = true;
        }
        x.r1 = next;
        x.pc = 1;
        return;
      }
      case 1:
        v.uls.sched.value = 0;
        x.pc = 2;
        return;
      case 2: {
        const w = typeof x.r3 === 'number' ? x.r3 : -1;
        x.r3 = -1;
        x.pc = 3;
        if (w >= 0) x.syscall(SYS_WAKE, w);
        else if (w === REQUEST_VCPU) x.syscall(SYS_REQUEST_VCPUS, 1);
        return;
      }
      case 3:
        x.pc = 4;
        if (v.recycle.length >= RECYCLE_BATCH || (x.r1 === null && v.recycle.length > 0)) {
          x.syscall(SYS_RECYCLE, v.recycle.splice(0, v.recycle.length));
        }
        return;
      case 4: {
        const next = x.r1 as Tcb | null;
        const s = x.disp;
        if (next !== null) {
          s.haswork = 1;
          resumeThread(x, v, next);
          return;
        }
        // No thread left, and main already existed (vCPU 0 may not have created it yet).
        if (v.uls.live === 0 && v.uls.mainStarted) {
          x.pc = 5;
          x.syscall(SYS_EXIT);
          return;
        }
        x.r2 = s.kthread ? x.now : 0; // kernel threads: when the idle spin began
        x.pc = 6;
        return;
      }
      case 6: {
        // Idle. With activations, spin briefly first (hysteresis): new work or a notice
        // sends the vCPU back round the scheduler; else tell the kernel it is idle.
        // FastThreads on kernel threads (M:N without activations, several kernel threads)
        // cannot tell the kernel it is idle: it polls its ready lists (each poll scans
        // every vCPU's list) for up to a quantum, burning the processor the kernel gave
        // it, and only then blocks in the kernel. A lone kernel thread (N:1) blocks at once:
        // only the kernel can bring it work.
        const s = x.disp;
        const uls = v.uls;
        if (s.kthread) {
          const since = typeof x.r2 === 'number' ? x.r2 : x.now;
          if (uls.mapping === 'kernel-threads' && uls.vcpus.length > 1 && x.now - since < x.costs.quantum) {
            x.use(P_INSTRUCTION, 2 + 3 * uls.vcpus.length);
            const due = uls.timers.peek();
            if (uls.policy.size() > 0 || (due !== undefined && due.until <= x.now)) x.goto(run, 1);
            return;
          }
        } else {
          const spun = typeof x.r2 === 'number' ? x.r2 : 0;
          if (spun < IDLE_SPIN) {
            x.r2 = spun + 1;
            if (uls.policy.size() > 0 || s.delivered !== s.seen) x.goto(run, 1);
            return;
          }
        }
        s.haswork = 0;
        s.wakeup = earliestTimer(v);
        x.pc = 5;
        x.syscall(s.kthread ? SYS_YIELD : SYS_VCPU_IDLE);
        return;
      }
      case 5:
        // A kernel thread's sys_yield returns when there may be work: look again.
        if (!x.disp.kthread) panic('sched', `vCPU ${v.index}: sys_yield returned to an upcalled dispatcher`);
        x.goto(run, 0);
        return;
      default:
        panic('sched', `vCPU ${v.index}: bad pc ${x.pc}`);
    }
  },
};

/** U3: resume(t), the critical region. */
export const resume: Routine = {
  name: 'resume',
  size: 4,
  step(x: SmExec): void {
    switch (x.pc) {
      case 0:
        assertDisabled(x, 'resume');
        x.disp.disabled = 0; // the window opens here
        x.pc = 1;
        return;
      case 1:
        x.r1 = (x.r0 as Tcb).saved; // load the context reference from the TCB slot
        x.use(P_USER_RESTORE);
        x.pc = 2;
        return;
      case 2:
        x.use(P_USER_RESTORE); // the rest of the register file
        x.pc = 3;
        return;
      case 3: {
        const ctx = x.r1 as Context | null;
        if (ctx === null) panic('resume', `${(x.r0 as Tcb).label} has an empty TCB slot`);
        x.trace('switch', (x.r0 as Tcb).id, ctx.id);
        x.jump(ctx); // atomic: the last restore and the jump are one instruction (iretq)
        return;
      }
      default:
        panic('resume', `bad pc ${x.pc}`);
    }
  },
};

// --- critical sections of library code (U5: the enable instruction is issued only here) ---

/**
 * Enter a critical section of the user level (before taking its spinlocks), as the
 * operand of one `yield`: prevent: disable (the kernel then never upcalls inside);
 * recover / unsafeNone: count it on the thread (an upcall continues it first).
 */
export function csEnter(): number {
  const uls = ulsOf(RUNNING.cpu);
  if (uls === null || uls.cs === 'prevent') return OP_DISABLE;
  return lib(depthLib, 1);
}

/**
 * Leave a critical section (after releasing its spinlocks), as the operand of one
 * `yield`; its value is true when the thread must then yield back to the upcall that
 * recovered it: `if ((yield csLeave()) === true) yield csBack();`.
 */
export function csLeave(): number {
  const uls = ulsOf(RUNNING.cpu);
  if (uls === null || uls.cs === 'prevent') return OP_ENABLE;
  return lib(depthLib, -1);
}

/**
 * Does the calling thread's runtime mark its critical sections (csEnter/csLeave)? Only
 * the activations runtime must: its upcalls need to know a thread was inside one. On
 * kernel threads (1:1, N:1, plain M:N) nothing ever upcalls, so the marks are skipped
 * and cost nothing. Read once per library frame.
 */
export function marksHere(): boolean {
  const cpu = RUNNING.cpu;
  return cpu !== null && (cpu.disp.udisp as Vcpu).uls.marks;
}

/** Trap back to the upcall after leaving the last critical section under recovery. */
export function csBack(): number {
  const uls = ulsOf(RUNNING.cpu) as Uls;
  return trapOp(uls.r.recoverDone);
}

function ulsOf(cpu: CpuView | null): Uls | null {
  return cpu === null ? null : (cpu.disp.udisp as Vcpu).uls;
}

/** Adjust the current thread's critical-section depth; true when it left its last one while being recovered. */
function depthLib(cpu: CpuView, delta: number): boolean {
  const t = (cpu.disp.udisp as Vcpu).current;
  if (t === null) return false;
  t.spinDepth = Math.max(0, t.spinDepth + delta);
  return delta < 0 && t.spinDepth === 0 && t.recovering;
}
