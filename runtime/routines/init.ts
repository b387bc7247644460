/**
 * init: the prepared disabledArea of every new dispatcher (R6: dispatchers start
 * disabled, so the first dispatch resumes this context). vCPU 0 creates the main
 * thread; every vCPU then enters the shared `sched` tail (under 1:1 the first kernel
 * thread simply becomes the main thread's own).
 *
 * Registers: r0 = udisp (the Vcpu).
 */
import { P_INSTRUCTION, P_THREAD_CREATE } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, lockStep, resume, sched, schedLockStep, setCurrent } from '../dispatcher';
import { countBusy, makeReadyLocked } from '../ready';
import { panic } from '../errors';
import type { Vcpu } from '../uls';

export const init: Routine = {
  name: 'init',
  size: 4,
  step(x: SmExec): void {
    const v = x.r0 as Vcpu;
    switch (x.pc) {
      case 0:
        assertDisabled(x, 'init');
        x.r3 = -1;
        // once main exists this vCPU's init has nothing left but the sched tail: it may recover
        if (v.uls.mainStarted) schedLockStep(x, v, 1, null);
        else lockStep(x, v.uls.sched, 1);
        return;
      case 1: {
        const uls = v.uls;
        if (v.index === 0 && !uls.mainStarted) {
          uls.mainStarted = true;
          const t = uls.createThread('main', uls.main(), x.now);
          x.trace('~spawn', t.id, -1); // a note: src/trace only, never hashed
          x.use(P_THREAD_CREATE);
          x.add(P_INSTRUCTION, countBusy(uls, 1)); // activations: main is the first busy thread
          x.r3 = makeReadyLocked(v, t, 'spawn', x.now, true);
        }
        x.pc = 2;
        return;
      }
      case 2:
        if (v.uls.mapping !== '1:1') {
          x.goto(sched, 0);
          return;
        }
        v.uls.sched.value = 0; // 1:1: this kernel thread is the main thread's own
        x.pc = 3;
        return;
      case 3: {
        const main = v.uls.mainThread;
        if (main === null) return panic('init', 'no main thread');
        main.kt = x.disp.vcpu;
        setCurrent(v, main);
        main.transition('ready', 'running', x.now);
        main.switches++;
        x.r0 = main;
        x.goto(resume, 0);
        return;
      }
      default:
        panic('init', `bad pc ${x.pc}`);
    }
  },
};
