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
  ERR_CALLER_ENABLED, ERR_NO_ACTIVATION, SYS_DELAY, SYS_EXIT, SYS_FAULT, SYS_KSEM_CREATE, SYS_KSEM_POST,
  SYS_KSEM_WAIT, SYS_KT_CREATE, SYS_KT_EXIT, SYS_KT_PARK, SYS_KT_UNPARK, SYS_MAP, SYS_PREEMPT_VCPU, SYS_READ,
  SYS_RECYCLE, SYS_REQUEST_VCPUS, SYS_VCPU_IDLE, SYS_WAKE, SYS_YIELD,
} from './abi';
import { reallocate } from './allocation';
import { blockThread, completeWait } from './blocking';
import type { Cell, Context } from './abi';
import {
  kernelPath, P_K_SCHEDULE, P_K_WAKEUP, P_KT_EXIT, P_PAGE_MAP, P_SYSCALL_DISPATCH, P_TRAP_ENTRY, P_TRAP_EXIT,
} from './costs';
import { faultFromUser, faultProcess } from './containment';
import { entryCheck } from './copyin';
import { ktCreate, ktExit, ktPark, ktUnpark, ktYield } from './kthreads';
import { notify } from './notices';
import { discard, endProcess, sysYield, vcpuIdle } from './protocol';
import type { SyscallResult } from './abi';
import { MODE_GEN } from './cpu';
import type { Cpu } from './cpu';
import type { Kernel } from './kernel';

const OK: SyscallResult = { kind: 'ok', value: undefined };

export function handleSyscall(k: Kernel, cpu: Cpu): void {
  // Copy-in first: the caller's shared record is checked before the kernel acts on it.
  // A refused caller's request is dropped with it: left in the CPU's syscall registers,
  // it would be executed for whatever process this CPU runs next (found by the soak: an
  // SYS_EXIT of a faulted process ended a well-behaved one).
  const d = k.currentDcb(cpu);
  if (!entryCheck(k, d, cpu)) {
    if (cpu.sysNum !== 0) {
      cpu.sysNum = 0;
      cpu.sysA1 = undefined;
      cpu.sysA2 = undefined;
    }
    return;
  }
  const t0 = cpu.time;
  const num = cpu.sysNum;
  syscallBody(k, cpu);
  // a note (never hashed): the kernel work the call charged on this CPU, for trace records
  if (k.trace.listener !== null) k.trace.add(cpu.time, cpu.index, '~charged', num, cpu.time - t0);
  k.checkAllActivations(); // invariant: after every kernel entry
}

/** Every syscall: the trap in, the dispatch, its path's work, and (when it returns to the caller) the trap out. */
function syscallBody(k: Kernel, cpu: Cpu): void {
  const num = cpu.sysNum;
  const a1 = cpu.sysA1;
  const a2 = cpu.sysA2;
  cpu.sysNum = 0;
  cpu.sysA1 = undefined;
  cpu.sysA2 = undefined;
  k.syscalls++;
  const d = k.currentDcb(cpu);
  const hw = d.proc.heavyweight;
  cpu.charge(P_TRAP_ENTRY);
  cpu.charge(kernelPath(P_SYSCALL_DISPATCH, hw));
  k.trace.add(cpu.time, cpu.index, 'syscall', d.index, num);
  let res: SyscallResult;
  switch (num) {
    case SYS_YIELD:
      if (d.kthread) return ktYield(k, cpu, d);
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
        target = d.proc.dcbs.find((x) => x.assigned && x.state === 'blocked' && !x.inKernelWait) ?? target;
      }
      notify(target, { kind: 'wake' });
      if (target.state === 'blocked') cpu.charge(kernelPath(P_K_WAKEUP, hw));
      k.makeRunnable(target, cpu.time, target.cpu !== cpu.index);
      res = OK;
      break;
    }
    case SYS_REQUEST_VCPUS: {
      const n = a1 as number;
      const p = d.proc;
      p.demand = Math.min(p.dcbs.length, p.demand + (Number.isInteger(n) && n > 0 ? n : 0));
      cpu.charge(kernelPath(P_K_SCHEDULE, hw)); // the allocator's decision
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
      cpu.charge(P_PAGE_MAP);
      res = OK;
      break;
    case SYS_EXIT:
      cpu.charge(kernelPath(P_KT_EXIT, hw)); // the last thread of the process ends
      for (const x of d.proc.dcbs) if (x.activation !== null) x.activation.state = 'cached';
      endProcess(k, d.proc, { kind: 'exited', time: cpu.time });
      discard(cpu);
      reallocate(k, cpu.time); // its processors go to the others
      k.processEnded();
      k.dispatch(cpu, k.schedule(cpu, false));
      return;
    case SYS_FAULT:
      // The process reports its own death (an uncaught thread error, a fault it cannot
      // take): the kernel ends it, trusting the payload only as a message.
      faultProcess(k, d.proc, faultFromUser(k, d, cpu, a1), cpu.time, cpu);
      return;
    case SYS_READ: {
      const bytes = a1 as number;
      if (!Number.isInteger(bytes) || bytes < 0) {
        res = { kind: 'error', code: 'BAD_ARGUMENT' };
        break;
      }
      if (blockThread(k, cpu, d, { kind: 'read', bytes })) return;
      res = { kind: 'error', code: d.proc.acts === null ? 'NOT_SUPPORTED' : ERR_NO_ACTIVATION };
      break;
    }
    case SYS_DELAY: {
      const ns = a1 as number;
      if (!Number.isInteger(ns) || ns < 0) {
        res = { kind: 'error', code: 'BAD_ARGUMENT' };
        break;
      }
      if (blockThread(k, cpu, d, { kind: 'delay', ns })) return;
      res = { kind: 'error', code: d.proc.acts === null ? 'NOT_SUPPORTED' : ERR_NO_ACTIVATION };
      break;
    }
    case SYS_KSEM_CREATE: {
      const units = a1 as number;
      if (!Number.isInteger(units) || units < 0) {
        res = { kind: 'error', code: 'BAD_ARGUMENT' };
        break;
      }
      d.proc.ksems.push({ units, waiters: [] });
      res = { kind: 'ok', value: d.proc.ksems.length - 1 };
      break;
    }
    case SYS_KSEM_WAIT: {
      const sem = d.proc.ksems[a1 as number];
      if (sem === undefined) {
        res = { kind: 'error', code: 'NO_SUCH_SEMAPHORE' };
        break;
      }
      if (sem.units > 0) {
        sem.units--;
        res = OK;
        break;
      }
      if (blockThread(k, cpu, d, { kind: 'ksem', sem: a1 as number })) return;
      res = { kind: 'error', code: d.proc.acts === null ? 'NOT_SUPPORTED' : ERR_NO_ACTIVATION };
      break;
    }
    case SYS_KSEM_POST: {
      const sem = d.proc.ksems[a1 as number];
      if (sem === undefined) {
        res = { kind: 'error', code: 'NO_SUCH_SEMAPHORE' };
        break;
      }
      const w = sem.waiters.shift();
      if (w === undefined) sem.units++;
      else completeWait(k, cpu.time, d.proc.id, w, cpu);
      res = OK;
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
      return ktExit(k, cpu, d, typeof a1 === 'number' ? a1 : -1);
    default:
      res = { kind: 'error', code: `BAD_SYSCALL_${num}` };
  }
  cpu.charge(P_TRAP_EXIT);
  if (cpu.mode === MODE_GEN) cpu.value = res;
  else cpu.r0 = res;
}
