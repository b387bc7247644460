/**
 * pagefault_disabled: a page fault taken while disabled is fatal for the process
 * (Barrelfish's handler spins forever; we report the fault): dispatcher code and data
 * must stay mapped.
 *
 * Registers: r0 = page.
 */
import { describeUntrusted, SYS_FAULT } from '../../kernel-sim/abi';
import type { Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled } from '../dispatcher';
import { panic } from '../errors';

export const pagefaultDisabled: Routine = {
  name: 'pagefault_disabled',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) {
      assertDisabled(x, 'pagefault_disabled');
      x.pc = 1;
      const page: unknown = x.r0;
      if (typeof page !== 'number') {
        // Not the kernel's page-fault entry (it passes the page number): one of the
        // process's own entry points names this routine for another purpose.
        x.syscall(SYS_FAULT, `${x.disp.name}: pagefault_disabled was entered with no page number (r0 is ${describeUntrusted(page)}): a dispatcher entry (run, pagefault, pagefaultDisabled or trap) points at the wrong routine`);
        return;
      }
      x.syscall(SYS_FAULT, `${x.disp.name}: page fault on page ${page} while disabled (at ${whereTrapped(x)}); dispatcher code and data must stay mapped`);
      return;
    }
    panic('pagefault_disabled', `returned from SYS_FAULT (pc ${x.pc})`);
  },
};

/** Where the trap area says the fault was taken; the area is user-writable, so anything but a context is '?'. */
function whereTrapped(x: SmExec): string {
  const ctx: unknown = x.disp.trapArea;
  if (typeof ctx !== 'object' || ctx === null) return '?';
  const kind = (ctx as { kind?: unknown }).kind;
  if (kind !== 'gen' && kind !== 'sm') return '?';
  try {
    return x.symbolize(x.contextPc(ctx as Context));
  } catch {
    return '?'; // a forged record the code map cannot place
  }
}
