/**
 * pagefault (enabled): the user-level pager maps the page with SYS_MAP and resumes the
 * faulting thread, which retries its access.
 *
 * Registers: r0 = page, r1 = udisp.
 */
import { P_USER_SAVE, SYS_MAP } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, resume, storeContext, vcpuOfExec } from '../dispatcher';
import { panic } from '../errors';

export const pagefault: Routine = {
  name: 'pagefault',
  size: 2,
  step(x: SmExec): void {
    switch (x.pc) {
      case 0:
        assertDisabled(x, 'pagefault');
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
        x.goto(resume, 0); // the same thread again: not a switch
        return;
      }
      default:
        panic('pagefault', `bad pc ${x.pc}`);
    }
  },
};
