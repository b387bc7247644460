/**
 * Attach the user-level runtime to a process's dispatchers: entry points, the critical
 * range (the resume routine), the udisp pointers, and each dispatcher's prepared first
 * context (R6: `init`, resumed from the disabled area). The mapping picks the routine
 * set: the ULS paths (activations, or kernel threads running the ULS) or the 1:1 paths.
 *
 * Invariants:
 *  1. The routines are registered in the code map before attach (their bases are set).
 *  2. [critLow, critHigh) covers exactly the resume routine.
 */
import type { CodeAddresses, DispatcherShared, Frame, SmContext } from '../kernel-sim/abi';
import type { RunPolicy } from './policy/policy';
import { SYS_KT_UNPARK, SYS_WAKE } from '../kernel-sim/abi';
import { resume, run } from './dispatcher';
import { drainEventsLocked } from './events';
import { recoverable, recoveryCandidate } from './recovery';
import {
  blockDisabled, exitDisabled, init, ktBlock, ktExit, ktSleep, ktYield, pagefault, pagefaultDisabled,
  recoverDone, sleepDisabled, trap, yieldDisabled,
} from './routines/index';
import { Uls, Vcpu } from './uls';
import type { CriticalSections, MappingKind, RoutineSet, UpcallHandlers } from './uls';

const UPCALLS: UpcallHandlers = { drain: drainEventsLocked, recoveryCandidate, recoverable };

const ULS_ROUTINES: RoutineSet = { yield: yieldDisabled, block: blockDisabled, sleep: sleepDisabled, exit: exitDisabled, notify: SYS_WAKE, recoverDone };
const ONE_TO_ONE_ROUTINES: RoutineSet = { yield: ktYield, block: ktBlock, sleep: ktSleep, exit: ktExit, notify: SYS_KT_UNPARK, recoverDone };

export interface AttachOptions {
  readonly process: number;
  readonly name: string;
  readonly policy: RunPolicy;
  readonly main: () => Frame;
  readonly mapping: MappingKind;
  /** The machine's code map, where the runtime's routines sit (the critical range is `resume`). */
  readonly code: CodeAddresses;
  /** How critical sections survive preemption (activations only; the others never upcall). */
  readonly criticalSections?: CriticalSections;
  /** Fair scheduling: SpinLock waiters yield after this many failed attempts (default: never). */
  readonly spinYield?: number;
  /** What an uncaught thread error ends (default 'process'). */
  readonly onThreadError?: 'process' | 'thread';
}

export function attachRuntime(dispatchers: readonly DispatcherShared[], o: AttachOptions): Uls {
  const crit = o.code.baseOf(resume); // panics when the routines are not registered
  const uls = new Uls(o.process, o.name, o.policy, o.main, o.mapping, o.mapping === '1:1' ? ONE_TO_ONE_ROUTINES : ULS_ROUTINES);
  uls.cs = o.mapping === 'activations' ? o.criticalSections ?? 'prevent' : 'prevent';
  uls.upcalls = UPCALLS;
  uls.spinYield = o.spinYield ?? Infinity;
  uls.machine = o.code;
  uls.token = dispatchers[0]?.home ?? null;
  uls.onThreadError = o.onThreadError ?? 'process';
  for (const s of dispatchers) {
    const v = new Vcpu(s.vcpu, s, uls);
    v.assigned = o.mapping !== 'activations'; // with activations, vcpuAdded says so
    uls.vcpus.push(v);
    s.run = run;
    s.pagefault = pagefault;
    s.pagefaultDisabled = pagefaultDisabled;
    s.trap = trap;
    s.critLow = crit;
    s.critHigh = crit + resume.size;
    s.udisp = v;
    s.disabled = 1;
    // prevent: critical sections run disabled, and the kernel defers descheduling them.
    s.deferPreempt = o.mapping === 'activations' && uls.cs === 'prevent' ? 1 : 0;
    const first: SmContext = { kind: 'sm', id: 0, routine: init, pc: 0, r0: v, r1: undefined, r2: undefined, r3: undefined };
    s.disabledArea = first;
  }
  return uls;
}
