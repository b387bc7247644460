/**
 * kt_block: 1:1 blocking. The continuation goes into the TCB, then one kernel call parks
 * the kernel thread, releasing the primitive's spinlock inside the kernel atomically
 * with the decision to block (no lost wake-up).
 *
 * Registers: r0 = continuation, r1 = spinlock word, r2 = BlockReason.
 */
import { P_USER_SAVE, SYS_KT_PARK } from '../../kernel-sim/abi';
import type { Cell, Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, storeContext, vcpuOfExec } from '../dispatcher';
import { panic } from '../errors';
import type { BlockReason } from '../tcb';
import { resumeSelf } from './kt_start';

export const ktBlock: Routine = {
  name: 'kt_block',
  size: 3,
  step(x: SmExec): void {
    if (x.pc === 0) assertDisabled(x, 'kt_block');
    const v = vcpuOfExec(x);
    const me = currentOf(v, 'kt_block');
    switch (x.pc) {
      case 0:
        storeContext(x, me, x.r0 as Context);
        me.transition('running', 'blocked', x.now);
        me.reason = x.r2 as BlockReason;
        x.use(P_USER_SAVE);
        x.pc = 1;
        return;
      case 1:
        x.pc = 2;
        x.syscall(SYS_KT_PARK, (x.r1 ?? null) as Cell | null);
        return;
      case 2:
        resumeSelf(x, me);
        return;
      default:
        panic('kt_block', `bad pc ${x.pc}`);
    }
  },
};

