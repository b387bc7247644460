/**
 * Kernel events in time order (timer ticks, wake-ups, device completions, kicks,
 * reschedules, IPIs), injected events (an interrupt, a page fault or a vCPU revocation
 * landed by the decision source), pause-loop exits and preemption deferral. Every
 * interrupt goes through the one entry of protocol.ts (R2).
 *
 * Invariants:
 *  1. An interrupt lands at an instruction boundary (takeInterrupt, R2).
 *  2. Every landing is shown to the observer before the kernel acts on it.
 *  3. A deferred preemption is retried every `ipi` ns, at most DEFER_RETRIES times in a row.
 */
import type { Context } from './abi';
import { canRevoke, finishRevoke, reallocate, revokeVcpu, deliverNotice } from './allocation';
import { completeWait } from './blocking';
import { P_INTERRUPT_ENTRY } from './costs';
import { notify, peekSeen } from './notices';
import type { Cpu } from './cpu';
import { MODE_IDLE } from './cpu';
import type { Dcb } from './dcb';
import { assertNever, decide, INJECT_IRQ, INJECT_NONE, INJECT_PF, INJECT_REVOKE, INJECT_STALL } from './decisions';
import type { InjectKind } from './decisions';
import type { KernelEvent } from './events';
import { pageFault, preemptForNotice, STACK_PAGE, takeInterrupt } from './protocol';
import type { Kernel } from './kernel';
import { outranked } from './ksched';
import type { LandCause } from './observer';

/** How many times in a row a preemption is deferred (each by one `ipi`) before it is taken anyway. */
export const DEFER_RETRIES = 16;

/** Deliver a due event at time t (the loop calls this in time order). */
export function deliverEvent(k: Kernel, t: number, ev: KernelEvent): void {
  // A kick or an IPI is posted at most once at a time: its flag drops even when it finds nothing to do.
  if (ev.kind === 'kick') (k.dcbs[ev.dcb] as Dcb).kickPending = false;
  else if (ev.kind === 'ipi') k.ipiPending[ev.cpu] = false;
  if (isStale(k, ev)) return;
  switch (ev.kind) {
    case 'tick': {
      const cpu = k.cpus[ev.cpu] as Cpu;
      if (defersPreemption(k, cpu, t, false)) {
        k.post(t + k.costs.ipi, ev); // the same tick, a little later
        return;
      }
      const ctx = takeInterrupt(k, cpu, t, 'irq', 'tick');
      const d = k.currentDcb(cpu);
      if (d.revokePending && !d.kdisabled) {
        finishRevoke(k, d, ctx, cpu.time); // a safe point: the processor goes to its new owner
        reallocate(k, cpu.time);
      }
      // The next quantum starts when the chosen dispatcher starts: dispatch re-arms the
      // timer after its own costs, so kernel overhead can never eat every quantum.
      k.tickArmed[ev.cpu] = false;
      k.dispatch(cpu, k.schedule(cpu, true));
      return;
    }
    case 'wakeup': {
      const d = k.dcbs[ev.dcb] as Dcb;
      if (d.proc.acts !== null) notify(d, { kind: 'timer' }); // scheduler activations: the timer upcall
      k.makeRunnable(d, t, false);
      // Daemons wake forever; when no application can ever run again, the run is over.
      if (d.proc.daemon && k.applicationsStuck()) k.stop({ kind: 'finished' });
      return;
    }
    case 'io': {
      // The head is free: it starts the next queued request (which one is a decision).
      const q = k.disk.queued;
      k.diskStarted(t, k.disk.advance(t, q > 1 ? decide(k.decisions, { kind: 'io', queued: q }) : 0));
      completeWait(k, t, ev.proc, ev.wait, null);
      return;
    }
    case 'delay':
      completeWait(k, t, ev.proc, ev.wait, null);
      return;
    case 'revoke': {
      const d = k.dcbs[ev.dcb] as Dcb;
      d.revokePending = false;
      revokeVcpu(k, d, t); // completes now, or waits (and retries) again
      if (!d.assigned) reallocate(k, t);
      return;
    }
    case 'resched': {
      // Something outranks what the CPU runs: a daemon, or a vCPU given a CPU that left the pool.
      const cpu = k.cpus[ev.cpu] as Cpu;
      const cur = k.dcbs[cpu.dcbIndex] as Dcb;
      if (defersPreemption(k, cpu, t, true)) {
        k.post(t + k.costs.ipi, ev);
        return;
      }
      const ctx = takeInterrupt(k, cpu, t, 'irq', 'resched');
      handOffPreempted(k, cur, ctx, cpu.time);
      k.dispatch(cpu, k.schedule(cpu, false));
      return;
    }
    case 'kick': {
      const d = k.dcbs[ev.dcb] as Dcb;
      preemptForNotice(k, k.cpus[d.cpu] as Cpu, t, d, null);
      return;
    }
    case 'ipi': {
      const cpu = k.cpus[ev.cpu] as Cpu;
      if (cpu.time < t) cpu.time = t;
      k.interrupts++;
      cpu.charge(P_INTERRUPT_ENTRY); // a wake-up IPI to an idle CPU: an interrupt with nothing to save
      k.dispatch(cpu, k.schedule(cpu, false));
      return;
    }
    default:
      assertNever(ev);
  }
}

/**
 * The event would do nothing if delivered now: a cancelled or superseded tick or
 * wake-up, a tick for an idle CPU, a revocation or reschedule no longer wanted, a kick
 * with nothing unseen, an IPI to a CPU that woke already. Pure (it changes nothing), so
 * the loop can tell a stale event beyond maxTime from one that would still act.
 * Device completions are never stale (the disk moves on to its next request).
 */
export function isStale(k: Kernel, ev: KernelEvent): boolean {
  switch (ev.kind) {
    case 'tick':
      return ev.gen !== k.tickGen[ev.cpu] || (k.cpus[ev.cpu] as Cpu).mode === MODE_IDLE;
    case 'wakeup': {
      const d = k.dcbs[ev.dcb] as Dcb;
      return d.state !== 'blocked' || d.wakeupGen !== ev.gen;
    }
    case 'io':
    case 'delay':
      return false;
    case 'revoke': {
      const d = k.dcbs[ev.dcb] as Dcb;
      return !d.revokePending || !d.assigned || d.state === 'removed';
    }
    case 'resched': {
      const cpu = k.cpus[ev.cpu] as Cpu;
      return cpu.mode === MODE_IDLE || k.dcbs[cpu.dcbIndex] === undefined || !outranked(k, cpu);
    }
    case 'kick': {
      const d = k.dcbs[ev.dcb] as Dcb;
      const cpu = k.cpus[d.cpu] as Cpu;
      return !(d.delivered !== peekSeen(d) && d.assigned && cpu.dcbIndex === d.index && cpu.mode !== MODE_IDLE);
    }
    case 'ipi': {
      const cpu = k.cpus[ev.cpu] as Cpu;
      return cpu.mode !== MODE_IDLE || cpu.dcbIndex !== -1;
    }
    default:
      return assertNever(ev);
  }
}

/**
 * Land an injected event on `cpu` before its next instruction. Returns false (and
 * does nothing) when the kind does not apply there: a revocation needs an assigned
 * vCPU of a scheduler-activation process with no revocation pending.
 */
export function injectEvent(k: Kernel, cpu: Cpu, kind: InjectKind): boolean {
  switch (kind) {
    case INJECT_IRQ:
      k.injected++;
      k.trace.add(cpu.time, cpu.index, 'inject', INJECT_IRQ, k.pcOf(cpu));
      preemptAt(k, cpu, 'inject');
      return true;
    case INJECT_PF:
      k.injected++;
      k.trace.add(cpu.time, cpu.index, 'inject', INJECT_PF, k.pcOf(cpu));
      pageFault(k, cpu, STACK_PAGE, 'inject');
      return true;
    case INJECT_REVOKE: {
      const d = k.currentDcb(cpu);
      if (!canRevoke(d)) return false;
      k.injected++;
      k.trace.add(cpu.time, cpu.index, 'inject', INJECT_REVOKE, k.pcOf(cpu));
      revokeVcpu(k, d, cpu.time, 'inject');
      if (!d.assigned) reallocate(k, cpu.time); // it comes back at once when nobody else wants it
      k.checkAllActivations();
      return true;
    }
    case INJECT_NONE:
    case INJECT_STALL: // the loop holds the CPU itself (loop.ts invariant 6)
      return false;
    default:
      return assertNever(kind);
  }
}

/**
 * Preemption deferral (the `prevent` design for critical sections): a dispatcher that
 * asked for it (`deferPreempt`) and is disabled is not descheduled in favour of another
 * dispatcher or a daemon; the preemption is retried every `ipi` ns, for at most
 * DEFER_RETRIES retries in a row, so a dispatcher that never re-enables cannot keep
 * the processor. Returns true when the preemption at `t` is deferred.
 */
function defersPreemption(k: Kernel, cpu: Cpu, t: number, forDaemon: boolean): boolean {
  const d = k.dcbs[cpu.dcbIndex];
  if (d === undefined) return false;
  const q = k.runq[cpu.index] as Dcb[];
  const contended = forDaemon || q.length > 1;
  if (d.shared.deferPreempt !== 1 || !contended || !k.treatAsDisabled(d, k.pcOf(cpu))) {
    d.deferrals = 0;
    return false;
  }
  if (d.deferrals >= DEFER_RETRIES) {
    d.deferrals = 0;
    return false;
  }
  d.deferrals++;
  k.deferred++;
  k.trace.add(t, cpu.index, 'defer', d.index, d.deferrals);
  return true;
}

/** Pause-loop exit (fair scheduling): `cpu` spun spinLimit times; preempt it so others can run. */
export function pauseExit(k: Kernel, cpu: Cpu): void {
  cpu.spinRun = 0;
  k.pauseExits++;
  k.trace.add(cpu.time, cpu.index, 'pause-exit', cpu.dcbIndex, k.pcOf(cpu));
  preemptAt(k, cpu, 'spin');
}

/** An interrupt at cpu's instruction boundary, handled as a tick (the next quantum starts afresh). */
function preemptAt(k: Kernel, cpu: Cpu, cause: LandCause): void {
  takeInterrupt(k, cpu, cpu.time, 'irq', cause);
  k.tickArmed[cpu.index] = false;
  k.dispatch(cpu, k.schedule(cpu, true));
}

/**
 * The kernel took d's processor for someone else (a kernel daemon). With activations,
 * an enabled thread is not left stranded there: its context goes to the process as a
 * `preempted` notice on another of its vCPUs (Anderson's "processor preempted"); d
 * comes back later by an upcall with nothing to resume.
 */
function handOffPreempted(k: Kernel, d: Dcb, ctx: Context, now: number): void {
  if (d.proc.acts === null || d.kdisabled || d.activation === null || !d.assigned) return;
  const others = d.proc.dcbs.filter((x) => x !== d && x.assigned && x.state !== 'removed' && !x.revokePending);
  if (others.length === 0) return; // nobody to tell: the thread resumes with its vCPU
  d.shared.enabledArea = null;
  d.pendingUpcall = false;
  deliverNotice(k, d.proc, d, { kind: 'preempted', activation: d.activation.id, context: ctx, vcpu: d.vcpuId }, now);
}
