/**
 * Fault containment: a process that breaks the machine's rules (an uncaught thread
 * error under onThreadError 'process', a user-writable field the kernel refuses, a
 * corrupted context, an exception in its own dispatcher code) ends alone. The kernel and
 * every other process go on, and the report says what happened and where.
 *
 * Invariants:
 *  1. A faulted process's dispatchers never run again; a CPU running one is taken back
 *     at once (abandoned mid-instruction if need be) and dispatches something else.
 *  2. Its processors go to the other processes (reallocate). Kernel waits it had
 *     complete into nothing (completeWait counts them undelivered).
 *  3. The first fault wins: a process that has ended (exited or faulted) is not faulted
 *     again; its end keeps the fault's typed error for the report.
 */
import { ContextCorruption, describeThrown, describeUntrusted, ProcessFault, ThreadCrashError } from './errors';
import type { FaultSite } from './errors';
import { MODE_IDLE } from './cpu';
import type { Cpu } from './cpu';
import type { Dcb, KProcess } from './dcb';
import { changedEntries } from './entries';
import type { KernelEvent } from './events';
import type { Kernel } from './kernel';

export function faultProcess(k: Kernel, p: KProcess, error: ThreadCrashError | ProcessFault, time: number, by: Cpu | null): void {
  if (p.end.kind !== 'running') return; // invariant 3
  p.end = { kind: 'fault', time, message: error.message, error };
  for (const d of p.dcbs) k.unqueue(d, 'removed');
  const taken: Cpu[] = [];
  for (const c of k.cpus) {
    if (c.mode === MODE_IDLE) continue;
    const d = k.dcbs[c.dcbIndex];
    if (d !== undefined && d.proc === p) {
      c.abandon();
      taken.push(c);
    }
  }
  // The CPU that found the fault, idle now (it captured the faulting context), runs next.
  if (by !== null && by.mode === MODE_IDLE && !taken.includes(by)) taken.push(by);
  k.trace.add(time, by === null ? 0 : by.index, 'process-fault', p.id, 0);
  k.reallocate(time); // its processors go to the others
  k.processEnded();
  for (const c of taken) {
    if (c.time < time) c.time = time;
    k.dispatch(c, k.schedule(c, false));
  }
}

/** The site of a fault the kernel found in dispatcher `d` (running on `cpu`, or not). */
export function kernelSite(k: Kernel, d: Dcb, cpu: Cpu | null, time: number): FaultSite {
  const pc = cpu !== null && cpu.mode !== MODE_IDLE ? k.code.symbolize(k.pcOf(cpu)) : 'kernel';
  return { process: d.proc.name, thread: null, vcpu: d.proc.dcbs.indexOf(d), pc, time, locksHeld: [] };
}

/** A ProcessFault naming the refused user-writable field and its value. */
export function fieldFault(k: Kernel, d: Dcb, cpu: Cpu | null, field: string, value: unknown, want: string): ProcessFault {
  const site = kernelSite(k, d, cpu, cpu?.time ?? 0);
  return new ProcessFault(`process '${d.proc.name}': ${d.name}.${field} = ${describeUntrusted(value)} refused by the kernel (${want}); at ${site.pc}, t=${site.time}ns`, site, field);
}

/** What SYS_FAULT hands the kernel, as a typed error (the process's own report, or a wrapper around whatever it passed). */
export function faultFromUser(k: Kernel, d: Dcb, cpu: Cpu, payload: unknown): ThreadCrashError | ProcessFault {
  if (payload instanceof ThreadCrashError || payload instanceof ProcessFault) return payload;
  const site = kernelSite(k, d, cpu, cpu.time);
  const what = typeof payload === 'string' ? payload : describeUntrusted(payload);
  const moved = changedEntries(d);
  return new ProcessFault(`process '${d.proc.name}' faulted: ${what}${moved !== '' ? `; ${moved}` : ''}`, site, null, payload);
}

/**
 * An exception escaped the machine loop while it stepped CPU `stepping` (or, with
 * stepping -1, delivered kernel event `ev`): fault the process whose code was running
 * (or whom the event was for). Returns false when no application process can be blamed
 * (a daemon, or kernel work for nobody): the run then ends in a panic.
 */
export function containException(k: Kernel, stepping: number, ev: KernelEvent | null, e: unknown): boolean {
  const cpu = stepping >= 0 ? k.cpus[stepping] ?? null : null;
  let d: Dcb | undefined = cpu !== null && cpu.mode !== MODE_IDLE ? k.dcbs[cpu.dcbIndex] : undefined;
  if (d === undefined && e instanceof ContextCorruption && e.dcb !== null) d = k.dcbs[e.dcb];
  if (d === undefined && ev !== null) d = dcbOfEvent(k, ev);
  if (d !== undefined && !d.proc.daemon && d.proc.end.kind === 'exited' && cpu !== null && cpu.mode !== MODE_IDLE && k.dcbs[cpu.dcbIndex] === d) {
    // The process has exited, and its dispatcher code went on running here (it stops at
    // its next kernel entry) and failed on its own record: nothing of it is left to
    // fault. The CPU is taken back as a fault would take it, and the process keeps its
    // end; the trace says so.
    k.trace.add(cpu.time, cpu.index, 'dcb-removed', d.index, 1);
    cpu.abandon();
    k.dispatch(cpu, k.schedule(cpu, false));
    return true;
  }
  if (d === undefined || d.proc.daemon || d.proc.end.kind !== 'running') return false;
  const time = cpu !== null ? cpu.time : Math.max(...k.cpus.map((c) => c.time));
  const site = kernelSite(k, d, cpu, time);
  const why = e instanceof ContextCorruption ? `its context was corrupted: ${e.message}` : `an exception in its own code: ${describeThrown(e)}`;
  // The usual cause of a process's own code failing is a record it scribbled on: name
  // the field copy-in would refuse, so the report points at the write, not the symptom.
  const bad = k.recordFault(d, cpu);
  const moved = bad === null ? changedEntries(d) : '';
  const because = bad !== null ? `; its dispatcher record is corrupt: ${bad.message}` : moved !== '' ? `; ${moved}` : '';
  faultProcess(k, d.proc, new ProcessFault(`process '${d.proc.name}' faulted at ${site.pc}, t=${time}ns: ${why}${because}`, site, bad?.field ?? null, e), time, cpu);
  return true;
}

function dcbOfEvent(k: Kernel, ev: KernelEvent): Dcb | undefined {
  switch (ev.kind) {
    case 'wakeup':
    case 'kick':
    case 'revoke':
      return k.dcbs[ev.dcb];
    case 'delay':
    case 'io':
      return k.procs[ev.proc]?.dcbs[0];
    case 'tick':
    case 'ipi':
    case 'resched': {
      const c = k.cpus[ev.cpu];
      return c !== undefined && c.mode !== MODE_IDLE ? k.dcbs[c.dcbIndex] : undefined;
    }
    default: {
      const never: never = ev;
      return never;
    }
  }
}
