/**
 * resume(t): the critical region. Clears the resume bit first, then restores the
 * thread's context in steps, then jumps. Its PCs are [critLow, critHigh): the kernel
 * treats an interrupt anywhere in here as disabled (R1) and later resumes this very
 * sequence from the disabled area, so the restore simply finishes.
 *
 * Registers: r0 = the Tcb whose slot to resume.
 * RACE WINDOW: between pc 0 (flag cleared) and pc 3 (the jump). Without the PC-range
 * check, an interrupt at pc 1 saves this half-finished sequence as if it were the
 * thread; the run upcall then stores it in the thread's TCB and the thread's real
 * continuation is lost (tested in test/runtime/routines/resume.test.ts).
 */
import { P_USER_RESTORE } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { panic } from '../errors';
import type { Tcb } from '../tcb';

export const resume: Routine = {
  name: 'resume',
  size: 4,
  step(x: SmExec): void {
    switch (x.pc) {
      case 0:
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
