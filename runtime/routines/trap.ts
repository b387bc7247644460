/**
 * trap (entered by the kernel on an illegal instruction or a bad operand in a thread):
 * the thread dies of a typed IllegalInstructionError naming it and what it yielded. It
 * goes on as an uncaught error through the mapping's exit path (which faults the process
 * or ends the thread, per onThreadError).
 *
 * Registers: r0 = { code, detail } (kernel-written); the thread's continuation is in the
 * trap area.
 */
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { describeUntrusted, SYS_FAULT } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, vcpuOfExec } from '../dispatcher';
import { IllegalInstructionError, panic } from '../errors';

export const trap: Routine = {
  name: 'trap',
  size: 1,
  step(x: SmExec): void {
    if (x.pc !== 0) panic('trap', `bad pc ${x.pc}`);
    assertDisabled(x, 'trap');
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'trap');
    const r0: unknown = x.r0;
    if (typeof r0 !== 'object' || r0 === null || typeof (r0 as { code?: unknown }).code !== 'string') {
      // Not the kernel's trap entry (it passes { code, detail }): one of the process's
      // own entry points names this routine for another purpose.
      x.syscall(SYS_FAULT, `${x.disp.name}: trap was entered with no trap (r0 is ${describeUntrusted(r0)}): a dispatcher entry (run, pagefault, pagefaultDisabled or trap) points at the wrong routine`);
      return;
    }
    const info = r0 as { code: string; detail: unknown };
    const error = info.code === 'illegal-instruction'
      ? new IllegalInstructionError(`${me.label} yielded ${describeUntrusted(info.detail)}, which is not an upcall instruction: call thread operations with yield* (yield* compute(10), not yield compute(10))`)
      : new IllegalInstructionError(`${me.label}: ${info.code} (${describeUntrusted(info.detail)})`);
    x.r0 = x.disp.trapArea; // the thread's continuation (named in the crash report)
    x.r1 = error;
    x.r2 = true;
    x.goto(v.uls.r.exit, 0);
  },
};
