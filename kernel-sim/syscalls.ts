/**
 * The syscall set. A syscall is atomic kernel work charged to the calling CPU; the
 * answer lands in r0 (dispatcher code) or as the value of the SYSCALL instruction
 * (generator code), unless the call deschedules the caller.
 *
 * Invariants:
 *  1. R5: sys_yield is legal only while disabled (R1 evaluated at entry, as Barrelfish
 *     does); it clears the kernel copy so the next entry is a run upcall, and blocks
 *     the dispatcher iff no haswork, no unseen notices and no due wakeup.
 *  2. A descheduling syscall discards the caller's live context: the user saved what
 *     it needed first.
 */
import {
  ERR_CALLER_ENABLED, ERR_NO_ACTIVATION, SYS_ABORT, SYS_EXIT, SYS_FAULT, SYS_KT_CREATE, SYS_KT_EXIT,
  SYS_KT_PARK, SYS_KT_UNPARK, SYS_MAP, SYS_PREEMPT_VCPU, SYS_READ, SYS_RECYCLE, SYS_REQUEST_VCPUS,
  SYS_VCPU_IDLE, SYS_WAKE, SYS_YIELD,
} from './abi';
import { finishRevoke, reallocate } from './allocation';
import { notify } from './blocking';
import type { Cell, Context } from './abi';
import { blockKernelThread, blockOnDisk } from './blocking';
import { blockOrRotate, ktCreate, ktExit, ktPark, ktUnpark, ktYield } from './kthreads';
import type { SyscallResult } from './abi';
import { MODE_GEN, MODE_IDLE } from './cpu';
import type { Cpu } from './cpu';
import type { Dcb } from './dcb';
import type { Kernel } from './kernel';

const OK: SyscallResult = { kind: 'ok', value: undefined };

export function handleSyscall(k: Kernel, cpu: Cpu): void {
  syscallBody(k, cpu);
  k.checkAllActivations(); // invariant: after every kernel entry
}

function syscallBody(k: Kernel, cpu: Cpu): void {
  const num = cpu.sysNum;
  const a1 = cpu.sysA1;
  const a2 = cpu.sysA2;
  cpu.sysNum = 0;
  cpu.sysA1 = undefined;
  cpu.sysA2 = undefined;
  k.syscalls++;
  cpu.time += k.costs.trapEntry;
  const d = k.currentDcb(cpu);
  k.trace.add(cpu.time, cpu.index, 'syscall', d.index, num);
  let res: SyscallResult;
  switch (num) {
    case SYS_YIELD:
      if (d.shared.kthread) return ktYield(k, cpu, d);
      if (sysYield(k, cpu, d)) return;
      res = { kind: 'error', code: ERR_CALLER_ENABLED };
      break;
    case SYS_WAKE: {
      let target = d.proc.dcbs[a1 as number];
      if (target === undefined) {
        res = { kind: 'error', code: 'NO_SUCH_VCPU' };
        break;
      }
      if (!target.assigned) {
        // The user's view was stale: the vCPU was revoked. Wake an idle assigned one instead.
        target = d.proc.dcbs.find((x) => x.assigned && x.state === 'blocked') ?? target;
      }
      notify(target, { kind: 'wake' });
      k.makeRunnable(target, cpu.time, target.cpu !== cpu.index);
      res = OK;
      break;
    }
    case SYS_REQUEST_VCPUS: {
      const n = a1 as number;
      const p = d.proc;
      p.demand = Math.min(p.dcbs.length, p.demand + (Number.isInteger(n) && n > 0 ? n : 0));
      reallocate(k, cpu.time);
      res = { kind: 'ok', value: p.demand };
      break;
    }
    case SYS_VCPU_IDLE:
      if (vcpuIdle(k, cpu, d)) return;
      res = { kind: 'error', code: ERR_CALLER_ENABLED };
      break;
    case SYS_PREEMPT_VCPU: {
      const target = d.proc.dcbs[a1 as number];
      if (target === undefined || !target.assigned) {
        res = { kind: 'error', code: 'NO_SUCH_VCPU' };
        break;
      }
      if (target !== d) {
        notify(target, { kind: 'timer' }); // a notice for its run upcall to find
        k.kick(target, cpu.time);
      }
      res = OK;
      break;
    }
    case SYS_MAP:
      d.proc.mapped.add(a1 as number);
      cpu.time += k.costs.pageMap;
      res = OK;
      break;
    case SYS_EXIT:
      d.proc.end = { kind: 'exited', time: cpu.time };
      for (const x of d.proc.dcbs) if (x.activation !== null) x.activation.state = 'cached';
      for (const x of d.proc.dcbs) k.unqueue(x, 'removed');
      discard(cpu);
      reallocate(k, cpu.time); // its processors go to the others
      k.processEnded();
      k.dispatch(cpu, k.schedule(cpu, false));
      return;
    case SYS_ABORT:
      k.stop({ kind: 'aborted', error: a1 });
      discard(cpu);
      k.dispatch(cpu, null);
      return;
    case SYS_FAULT:
      d.proc.end = { kind: 'fault', time: cpu.time, message: String(a1) };
      for (const x of d.proc.dcbs) k.unqueue(x, 'removed');
      discard(cpu);
      reallocate(k, cpu.time);
      k.processEnded();
      k.dispatch(cpu, k.schedule(cpu, false));
      return;
    case SYS_READ: {
      const bytes = a1 as number;
      if (!Number.isInteger(bytes) || bytes < 0) {
        res = { kind: 'error', code: 'BAD_ARGUMENT' };
        break;
      }
      if (d.shared.kthread && cpu.mode === MODE_GEN) return blockKernelThread(k, cpu, d, { kind: 'read', bytes });
      if (d.proc.acts !== null && cpu.mode === MODE_GEN && blockOnDisk(k, cpu, d, { kind: 'read', bytes })) return;
      res = { kind: 'error', code: d.proc.acts === null ? 'NOT_SUPPORTED' : ERR_NO_ACTIVATION };
      break;
    }
    case SYS_RECYCLE: {
      const ids = a1 as readonly number[];
      res = { kind: 'ok', value: d.proc.acts?.recycle(ids, k.noticeSeen) ?? 0 };
      k.checkActivations(d.proc);
      break;
    }
    case SYS_KT_CREATE:
      res = ktCreate(k, cpu, d, a1, a2 as Context);
      break;
    case SYS_KT_PARK:
      if (ktPark(k, cpu, d, (a1 ?? null) as Cell | null)) return;
      res = OK;
      break;
    case SYS_KT_UNPARK:
      res = ktUnpark(k, cpu, d, a1 as number);
      break;
    case SYS_KT_EXIT:
      return ktExit(k, cpu, d);
    default:
      res = { kind: 'error', code: `BAD_SYSCALL_${num}` };
  }
  cpu.time += k.costs.trapExit;
  if (cpu.mode === MODE_GEN) cpu.value = res;
  else cpu.r0 = res;
}

/** R5. Returns false (and leaves the caller running) when the caller is enabled. */
function sysYield(k: Kernel, cpu: Cpu, d: Dcb): boolean {
  const s = d.shared;
  d.kdisabled = k.treatAsDisabled(s, k.pcOf(cpu));
  if (!d.kdisabled) return false;
  d.kdisabled = false;
  discard(cpu);
  const now = cpu.time;
  if (d.state === 'removed') {
    k.dispatch(cpu, k.schedule(cpu, false));
    return true;
  }
  if (d.revokePending) {
    // A safe point: the dispatcher saved what it needed; the processor goes away now.
    finishRevoke(k, d, null, now);
    reallocate(k, now);
    k.dispatch(cpu, k.schedule(cpu, false));
    return true;
  }
  blockOrRotate(k, cpu, d, 'dcb-block');
  return true;
}

/**
 * vcpuIdle: like sys_yield (legal only while disabled), but when another process wants
 * more processors than it has, this one is given away (revoked) instead of blocking.
 */
function vcpuIdle(k: Kernel, cpu: Cpu, d: Dcb): boolean {
  const p = d.proc;
  const needy = k.procs.some((q) => q !== p && q.started && q.end.kind === 'running' && q.demand > q.dcbs.filter((x) => x.assigned && x.state !== 'removed').length);
  if (!needy || p.acts === null) return sysYield(k, cpu, d);
  if (!k.treatAsDisabled(d.shared, k.pcOf(cpu))) return false;
  d.kdisabled = false;
  discard(cpu);
  const assigned = p.dcbs.filter((x) => x.assigned && x.state !== 'removed').length;
  p.demand = Math.max(1, assigned - 1);
  reallocate(k, cpu.time, d);
  if (d.assigned) {
    // Still needed here (the process is at its minimum): block as sys_yield would.
    d.shared.haswork = 0;
    k.unqueue(d, 'blocked');
  }
  k.dispatch(cpu, k.schedule(cpu, false));
  return true;
}

/** Drop the caller's live context (it saved what it needed before the call). */
function discard(cpu: Cpu): void {
  if (cpu.mode !== MODE_IDLE) cpu.capture();
}
