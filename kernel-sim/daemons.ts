/**
 * Kernel daemons (Topaz's housekeeping threads): kernel threads of the kernel's own,
 * each waking every `period` ns to work `burst` ns. They are mechanism, not an
 * application: they exist from time 0 (their first wake-ups staggered over one period),
 * run in the kernel's address space, never count as program progress and are not
 * waited for at the end. Where a waking daemon runs is the kernel scheduler's choice
 * (ksched.ts): an idle CPU if there is one, else it preempts an application.
 *
 * Invariants:
 *  1. A daemon is always runnable on exactly one CPU's local queue, or blocked with its
 *     next wake-up armed.
 *  2. Its work is one uninterruptible stretch of kernel time (nothing preempts a daemon).
 */
import { SYS_YIELD } from './abi';
import type { Routine, SmContext, SmExec } from './abi';
import type { DaemonSpec } from './costs';
import type { KProcess } from './dcb';
import type { Kernel } from './kernel';
import { setKernelCopy } from './protocol';

/** What a daemon's routine needs to know: its period and burst. */
interface DaemonRegs {
  readonly period: number;
  readonly burst: number;
}

/** The daemon loop: work one burst, then sleep one period (sys_yield with the wakeup armed). */
export const kdaemon: Routine = {
  name: 'kdaemon',
  size: 2,
  step(x: SmExec): void {
    const r = x.r0 as DaemonRegs;
    if (x.pc === 0) {
      x.work(r.burst);
      x.pc = 1;
      return;
    }
    x.disp.haswork = 0;
    x.disp.wakeup = x.now + r.period;
    x.pc = 0; // resumed verbatim here after the wake-up
    x.syscall(SYS_YIELD);
  },
};

/** Add the daemon process: `spec.count` kernel threads, first waking staggered over one period. */
export function addDaemons(k: Kernel, spec: DaemonSpec): KProcess {
  k.registerRoutine(kdaemon);
  const p = k.addProcess('kdaemon', spec.count, (i) => i % k.cpus.length, { daemon: true });
  const regs: DaemonRegs = { period: spec.period, burst: spec.burst };
  p.dcbs.forEach((d, i) => {
    k.makeKernelThread(d);
    const first: SmContext = { kind: 'sm', id: 0, routine: kdaemon, pc: 0, r0: regs, r1: undefined, r2: undefined, r3: undefined };
    d.shared.disabledArea = first;
    setKernelCopy(d, true);
    d.assigned = true;
    d.started = true;
    d.wakeupGen++;
    d.wakeupArmed = true;
    k.post(Math.floor((spec.period * (i + 1)) / spec.count), { kind: 'wakeup', dcb: d.index, gen: d.wakeupGen });
  });
  p.started = true;
  return p;
}
