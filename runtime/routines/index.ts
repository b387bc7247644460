/**
 * Every dispatcher routine of the runtime, in code-map order. The order is fixed so
 * addresses (and so traces and replay strings) are the same in every run. Each routine
 * lives in a file named for its code-map symbol; run, sched and resume are the
 * dispatcher's own (runtime/dispatcher.ts).
 */
import type { Routine } from '../../kernel-sim/abi';
import { resume, run, sched } from '../dispatcher';
import { blockDisabled } from './block';
import { exitDisabled } from './exit';
import { init } from './init';
import { ktBlock } from './kt_block';
import { ktExit } from './kt_exit';
import { ktSleep } from './kt_sleep';
import { ktStart } from './kt_start';
import { ktYield } from './kt_yield';
import { pagefault } from './pagefault';
import { pagefaultDisabled } from './pagefault_disabled';
import { recoverDone } from './recover_done';
import { sleepDisabled } from './sleep';
import { trap } from './trap';
import { yieldDisabled } from './yield';

export const ROUTINES: readonly Routine[] = [
  init, run, sched, resume, yieldDisabled, blockDisabled, sleepDisabled, exitDisabled,
  pagefault, pagefaultDisabled, trap, ktStart, ktBlock, ktYield, ktSleep, ktExit, recoverDone,
];

export {
  ktBlock, ktExit, ktSleep, ktStart, ktYield,
  blockDisabled, exitDisabled, init, pagefault, pagefaultDisabled, recoverDone, resume, run, sched,
  sleepDisabled, trap, yieldDisabled,
};
