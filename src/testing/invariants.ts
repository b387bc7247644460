/**
 * Step-level invariants (test mode): checked after every instruction, and at every
 * boundary where an event lands, the dynamic counterpart of what a proof of the
 * dispatch protocol would state. The first breach stops the run with its name, the
 * step, and (from the Machine) the replay string.
 *
 *  one-context-per-vcpu      no dispatcher runs on two CPUs, no stack is loaded twice
 *  no-double-slot            a running thread has no unresumed copy of itself in any
 *                            slot (TCB, enabled/disabled/trap area, notice, kernel wait)
 *  no-upcall-while-disabled  the kernel never upcalls `run` (or an enabled handler) into
 *                            a dispatcher whose state was last saved while disabled
 *  crit-implies-disabled     wherever an event lands, a pc inside [critLow, critHigh)
 *                            is treated as disabled (R1); checked where R1 is consulted
 *  runqueue-well-formed      queued threads are ready, marked queued, queued once, and
 *                            every ready thread is queued (mappings with a run queue)
 *  activations-equal-vcpus   running activations of a process = its assigned vCPUs
 *
 * Invariants of this module:
 *  1. It only reads the machine; a breach calls Kernel.stop once.
 *  2. "Disabled" here is the true predicate (flag or pc range), whatever the kernel's
 *     unsafeNoCritCheck says: that is what makes the test option's damage visible.
 */
import type { Context, DispatcherShared, GenContext, Stack } from '../../kernel-sim/abi';
import type { Cpu } from '../../kernel-sim/cpu';
import { MODE_GEN, MODE_IDLE } from '../../kernel-sim/cpu';
import type { Dcb } from '../../kernel-sim/dcb';
import { changedEntries } from '../../kernel-sim/entries';
import type { Kernel } from '../../kernel-sim/kernel';
import type { KernelObserver, LandCause, LandKind } from '../../kernel-sim/observer';
import type { Uls } from '../../runtime/uls';
import { INVARIANTS } from './invariant-names';

export { INVARIANTS } from './invariant-names';

export class StepInvariants implements KernelObserver {
  /** Instructions observed. */
  steps = 0;
  /** Per dcb: its state was last saved while truly disabled, and not resumed since. */
  private readonly savedDisabled: boolean[] = [];

  private readonly on: Record<string, boolean> = {};

  /** Check the invariants named in `enabled` (all of them by default). */
  constructor(private readonly k: Kernel, private readonly ulses: readonly Uls[], enabled: readonly string[] = INVARIANTS) {
    for (const n of enabled) this.on[n] = true;
  }

  afterStep(cpu: Cpu): void {
    this.steps++;
    if (this.k.stopped !== null) return;
    const on = this.on;
    const bad = (on['one-context-per-vcpu'] === true ? this.oneContext() : null)
      ?? (on['no-double-slot'] === true ? this.noDoubleSlot() : null)
      ?? (on['runqueue-well-formed'] === true ? this.runQueues() : null)
      ?? (on['activations-equal-vcpus'] === true ? this.activations() : null);
    if (bad !== null) this.breach(bad[0], bad[1], cpu);
  }

  landed(cpu: Cpu, _kind: LandKind, _cause: LandCause, pc: number, disabled: boolean, _stack: Stack | null): void {
    const s = cpu.shared;
    const d = this.k.dcbs[cpu.dcbIndex];
    if (s === null || d === undefined) return;
    // The range as the kernel reads it (R1): bounds that are not numbers hold no pc (a
    // process that wrote them is faulted at its next kernel entry), never coerced.
    const lo: unknown = s.critLow;
    const hi: unknown = s.critHigh;
    const inCrit = typeof lo === 'number' && typeof hi === 'number' && lo <= pc && pc < hi;
    if (inCrit && !disabled && this.on['crit-implies-disabled'] === true) {
      this.breach('crit-implies-disabled', `an event landed at ${this.k.code.symbolize(pc)}, inside ${s.name}'s critical range, and the kernel treated it as enabled`, cpu, pc);
    }
    this.savedDisabled[d.index] = s.disabled !== 0 || s.kthread || inCrit;
  }

  resumed(_cpu: Cpu, d: Dcb): void {
    this.savedDisabled[d.index] = false;
  }

  upcall(cpu: Cpu, d: Dcb, entry: string): void {
    if (entry !== 'pagefault_disabled' && this.savedDisabled[d.index] === true && this.on['no-upcall-while-disabled'] === true) {
      this.breach('no-upcall-while-disabled', `upcall '${entry}' into ${d.shared.name}, whose state was last saved while it was disabled (the user level would be re-entered)`, cpu);
    }
    this.savedDisabled[d.index] = false;
  }

  private breach(name: string, what: string, cpu: Cpu, pc: number = this.k.pcOf(cpu)): void {
    if (this.k.stopped !== null) return;
    this.k.stop({ kind: 'invariant', breach: { name, what, time: cpu.time, cpu: cpu.index, pc: this.k.code.symbolize(pc), step: this.steps } });
  }

  private oneContext(): [string, string] | null {
    const cpus = this.k.cpus;
    for (let i = 0; i < cpus.length; i++) {
      const a = cpus[i] as Cpu;
      if (a.mode === MODE_IDLE) continue;
      for (let j = i + 1; j < cpus.length; j++) {
        const b = cpus[j] as Cpu;
        if (b.mode === MODE_IDLE) continue;
        if (a.dcbIndex === b.dcbIndex) return ['one-context-per-vcpu', `dispatcher #${a.dcbIndex} runs on cpu${i} and cpu${j}`];
        if (a.mode === MODE_GEN && b.mode === MODE_GEN && a.stack === b.stack) return ['one-context-per-vcpu', `${a.stack?.label} is loaded on cpu${i} and cpu${j}`];
      }
    }
    return null;
  }

  private noDoubleSlot(): [string, string] | null {
    for (const c of this.k.cpus) {
      if (c.mode !== MODE_GEN || c.stack === null) continue;
      const st = c.stack;
      const d = this.k.dcbs[c.dcbIndex];
      if (d === undefined || d.proc.daemon) continue;
      // Save areas and notices are user-writable: anything but a context is none.
      const pending = (ctx: unknown): boolean => typeof ctx === 'object' && ctx !== null && (ctx as Context).kind === 'gen' && (ctx as GenContext).stack === st && !(ctx as GenContext).used;
      const t = this.ulses[d.proc.id]?.threadOf(st) ?? null;
      if (t !== null && pending(t.saved)) return ['no-double-slot', `${st.label} runs on cpu${c.index} and an unresumed context #${(t.saved as Context).id} of it sits in its TCB`];
      for (const x of d.proc.dcbs) {
        const s: DispatcherShared = x.shared;
        for (const [slot, ctx] of [['enabled area', s.enabledArea], ['disabled area', s.disabledArea], ['trap area', s.trapArea]] as const) {
          if (pending(ctx)) return ['no-double-slot', `${st.label} runs on cpu${c.index} and an unresumed context of it sits in the ${slot} of ${s.name} (at ${this.k.code.symbolize(this.k.contextPc(ctx as Context))})`];
        }
        const events: unknown = s.events;
        if (!Array.isArray(events)) continue;
        for (const ev of events as unknown[]) {
          if (typeof ev !== 'object' || ev === null) continue;
          const e = ev as { kind?: unknown; context?: unknown };
          if ((e.kind === 'preempted' || e.kind === 'unblocked') && pending(e.context)) return ['no-double-slot', `${st.label} runs on cpu${c.index} and a '${String(e.kind)}' notice to ${s.name} carries an unresumed context of it`];
        }
      }
      for (const w of d.proc.waits.values()) {
        if (pending(w.context)) return ['no-double-slot', `${st.label} runs on cpu${c.index} and the kernel holds an unresumed context of it for wait #${w.id}`];
      }
    }
    return null;
  }

  /**
   * A process that pointed a dispatcher entry at another routine (legal: any routine of
   * the machine) runs its runtime outside the runtime's contract; its own run-queue and
   * activation bookkeeping is its business, not an invariant of the runtime.
   */
  private rewired(proc: number): boolean {
    const p = this.k.procs[proc];
    return p !== undefined && p.dcbs.some((d) => changedEntries(d) !== '');
  }

  private runQueues(): [string, string] | null {
    for (const uls of this.ulses) {
      if (uls.mapping === '1:1' || this.rewired(uls.process)) continue;
      const bad = uls.policy.check();
      if (bad !== null) return ['runqueue-well-formed', `${uls.name}: ${bad}`];
      let queued = 0;
      for (const t of uls.unreleased()) {
        if (t.queued) queued++;
        else if (t.state === 'ready' && t.admitted) return ['runqueue-well-formed', `${uls.name}: ${t.label} is ready but on no run queue (a lost thread)`];
      }
      if (queued !== uls.policy.size()) return ['runqueue-well-formed', `${uls.name}: ${queued} threads marked queued, the queue holds ${uls.policy.size()}`];
    }
    return null;
  }

  private activations(): [string, string] | null {
    for (const p of this.k.procs) {
      if (p.daemon || this.rewired(p.id)) continue;
      const bad = this.k.activationsBreach(p);
      if (bad !== null) return ['activations-equal-vcpus', bad];
    }
    return null;
  }
}
