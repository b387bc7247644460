/**
 * Every dispatcher routine of the runtime, in code-map order. The order is fixed so
 * addresses (and so traces and replay strings) are the same in every run.
 */
import type { Routine } from '../../kernel-sim/abi';
import { blockDisabled, sleepDisabled } from './block';
import { exitDisabled } from './exit';
import { pagefault, pagefaultDisabled, trap } from './faults';
import { init } from './init';
import { recoverDone } from './recover';
import { ktBlock, ktExit, ktSleep, ktStart, ktYield } from './kt';
import { resume } from './resume';
import { run } from './run';
import { sched } from './sched';
import { yieldDisabled } from './yield';

export const ROUTINES: readonly Routine[] = [
  init, run, sched, resume, yieldDisabled, blockDisabled, sleepDisabled, exitDisabled,
  pagefault, pagefaultDisabled, trap, ktStart, ktBlock, ktYield, ktSleep, ktExit, recoverDone,
];

export {
  ktBlock, ktExit, ktSleep, ktStart, ktYield,
  blockDisabled, exitDisabled, init, pagefault, pagefaultDisabled, resume, run, sched,
  sleepDisabled, trap, yieldDisabled,
};
