/**
 * pagefault_disabled: a page fault taken while disabled is fatal for the process
 * (Barrelfish's handler spins forever; we report the fault): dispatcher code and data
 * must stay mapped.
 *
 * Registers: r0 = page.
 */
import { SYS_FAULT } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled } from '../dispatcher';
import { panic } from '../errors';

export const pagefaultDisabled: Routine = {
  name: 'pagefault_disabled',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) {
      assertDisabled(x, 'pagefault_disabled');
      x.pc = 1;
      const where = x.disp.trapArea === null ? '?' : x.symbolize(x.contextPc(x.disp.trapArea));
      x.syscall(SYS_FAULT, `${x.disp.name}: page fault on page ${String(x.r0)} while disabled (at ${where}); dispatcher code and data must stay mapped`);
      return;
    }
    panic('pagefault_disabled', `returned from SYS_FAULT (pc ${x.pc})`);
  },
};
