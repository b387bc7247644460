/**
 * Exception upcalls. pagefault (enabled): a user-level pager maps the page with
 * SYS_MAP and resumes the faulting thread, which retries its access. pagefaultDisabled:
 * fatal for the process (Barrelfish's handler spins forever; we report the fault).
 * trap (enabled): an illegal instruction in a thread kills the run with a typed error
 * naming the thread and what it yielded.
 *
 * pagefault registers: r0 = page, r1 = udisp. trap registers: r0 = {code, detail}.
 */
import { P_USER_SAVE } from '../../kernel-sim/abi';
import { SYS_ABORT, SYS_FAULT, SYS_MAP } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { IllegalInstructionError, panic } from '../errors';
import { storeContext } from '../uls';
import { currentOf, vcpuOfExec } from './common';
import type { ThreadCrash } from './exit';
import { resume } from './resume';

export const pagefault: Routine = {
  name: 'pagefault',
  size: 2,
  step(x: SmExec): void {
    switch (x.pc) {
      case 0:
        x.pc = 1;
        x.syscall(SYS_MAP, x.r0);
        return;
      case 1: {
        const v = vcpuOfExec(x);
        const me = currentOf(v, 'pagefault');
        storeContext(x, me, x.disp.enabledArea);
        x.disp.enabledArea = null; // consumed: a later revocation never hands it back again
        x.use(P_USER_SAVE);
        x.r0 = me;
        x.goto(resume, 0);
        return;
      }
      default:
        panic('pagefault', `bad pc ${x.pc}`);
    }
  },
};

export const pagefaultDisabled: Routine = {
  name: 'pagefault_disabled',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) {
      x.pc = 1;
      const where = x.disp.trapArea === null ? '?' : x.symbolize(x.contextPc(x.disp.trapArea));
      x.syscall(SYS_FAULT, `${x.disp.name}: page fault on page ${String(x.r0)} while disabled (at ${where}); dispatcher code and data must stay mapped`);
      return;
    }
    panic('pagefault_disabled', `returned from SYS_FAULT (pc ${x.pc})`);
  },
};

export const trap: Routine = {
  name: 'trap',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) {
      const v = vcpuOfExec(x);
      const me = currentOf(v, 'trap');
      const info = x.r0 as { code: string; detail: unknown };
      const error = info.code === 'illegal-instruction'
        ? new IllegalInstructionError(`${me.label} yielded ${describe(info.detail)}, which is not an upcall instruction: call thread operations with yield* (yield* compute(10), not yield compute(10))`)
        : new IllegalInstructionError(`${me.label}: ${info.code} (${describe(info.detail)})`);
      const crash: ThreadCrash = { kind: 'thread-crash', thread: me.label, error, time: x.now };
      x.pc = 1;
      x.syscall(SYS_ABORT, crash);
      return;
    }
    panic('trap', `returned from SYS_ABORT (pc ${x.pc})`);
  },
};

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
}
