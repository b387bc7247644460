/**
 * A thread's death, written up: the ThreadCrashError that its process's fault end (or,
 * under onThreadError: 'thread', its joiner) receives. It names the thread, the
 * process, the vCPU, the symbolic pc and the last thread operation called, the
 * simulated time and the locks the thread held; the thrown value is its `cause`,
 * untouched (a frozen error stays as it was).
 */
import { describeThrown, ThreadCrashError } from '../kernel-sim/abi';
import type { CpuView, FaultSite } from '../kernel-sim/abi';
import type { Tcb } from './tcb';
import type { Uls, Vcpu } from './uls';

export function threadCrash(x: CpuView, v: Vcpu, t: Tcb, thrown: unknown, pc: string): ThreadCrashError {
  const uls = v.uls;
  const locks = locksHeldBy(uls, t);
  const site: FaultSite = { process: uls.name, thread: t.label, vcpu: v.index, pc, time: x.now, locksHeld: locks };
  const held = locks.length === 0 ? '' : `, holding ${locks.join(', ')}`;
  return new ThreadCrashError(`${t.label} of process '${uls.name}' died of ${describeThrown(thrown)} (vCPU ${v.index}, at ${pc}, t=${x.now}ns${held})`, site, thrown);
}

/** Labels of the sync objects of the process that t holds (a Mutex, an RwLock, a SpinLock). */
export function locksHeldBy(uls: Uls, t: Tcb): string[] {
  const out: string[] = [];
  for (const o of uls.objects) if (o.owners().includes(t)) out.push(o.label);
  return out;
}
