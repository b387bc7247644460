/**
 * block: the disabled half of every blocking operation (Barrelfish
 * thread_block_and_release_spinlock_disabled). The caller's continuation goes into its
 * TCB before the primitive's spinlock is released, so a waker on another vCPU that
 * enqueues the thread right after the release finds a complete context. Under
 * activations it also takes the thread off the busy count, one instruction with the
 * sched lock held (the runtime's own bookkeeping, uls.ts).
 *
 * Registers: r0 = continuation, r1 = spinlock Cell to release (or null), r2 = BlockReason.
 * RACE WINDOW (pc 1 -> 2): after the release the thread may already run on another vCPU
 * while this one still executes its dispatcher code; this vCPU never touches the thread
 * again except through `current`, which sched overwrites.
 */
import { P_INSTRUCTION, P_USER_SAVE } from '../../kernel-sim/abi';
import type { Cell, Context, Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, sched, schedLockStep, setCurrent, storeContext, vcpuOfExec } from '../dispatcher';
import { countBusy } from '../ready';
import { panic } from '../errors';
import type { BlockReason } from '../tcb';
import type { Vcpu } from '../uls';

function parkBlocked(x: SmExec, v: Vcpu): void {
  x.add(P_INSTRUCTION, countBusy(v.uls, -1)); // the busy-count update of pc 3, done here
  setCurrent(v, null);
}

export const blockDisabled: Routine = {
  name: 'block',
  size: 5,
  step(x: SmExec): void {
    const v = vcpuOfExec(x);
    switch (x.pc) {
      case 0: {
        assertDisabled(x, 'block');
        const me = currentOf(v, 'block');
        storeContext(x, me, x.r0 as Context);
        me.transition('running', 'blocked', x.now);
        me.reason = x.r2 as BlockReason;
        x.trace('~ublock', me.id, 0); // a note: src/trace only, never hashed
        x.use(P_USER_SAVE);
        x.pc = 1;
        return;
      }
      case 1: {
        if (x.r1 !== null && x.r1 !== undefined) (x.r1 as Cell).value = 0;
        // The critical section ends with the release (recover mode counts it).
        const me = currentOf(v, 'block');
        me.spinDepth = Math.max(0, me.spinDepth - 1);
        me.recovering = false;
        x.pc = 2;
        return;
      }
      case 2:
        x.r3 = -1;
        schedLockStep(x, v, 3, parkBlocked); // the caller is saved and blocked already
        return;
      case 3:
        if (v.uls.marks) {
          v.uls.busy--; // activations: one fewer busy thread (the sched lock is held)
          x.pc = 4;
          return;
        }
        x.goto(sched, 0);
        return;
      case 4:
        x.goto(sched, 0);
        return;
      default:
        panic('block', `bad pc ${x.pc}`);
    }
  },
};
