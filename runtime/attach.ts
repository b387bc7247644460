/**
 * Attach the user-level runtime to a process's dispatchers: entry points, the critical
 * range (the resume routine), the udisp pointers, and each dispatcher's prepared first
 * context (R6: `init`, resumed from the disabled area).
 *
 * Invariants:
 *  1. The routines are registered in the code map before attach (their bases are set).
 *  2. [critLow, critHigh) covers exactly the resume routine.
 */
import type { DispatcherShared, Frame, SmContext } from '../kernel-sim/abi';
import { panic } from './errors';
import type { RunPolicy } from './policy/policy';
import { exitDisabled, init, pagefault, pagefaultDisabled, resume, run, trap } from './routines/index';
import { Uls, Vcpu } from './uls';

export interface AttachOptions {
  readonly process: number;
  readonly name: string;
  readonly policy: RunPolicy;
  readonly main: () => Frame;
}

export function attachRuntime(dispatchers: readonly DispatcherShared[], o: AttachOptions): Uls {
  if (resume.base === 0) panic('attachRuntime', 'routines are not registered in the code map');
  const uls = new Uls(o.process, o.name, o.policy, o.main, exitDisabled);
  for (const s of dispatchers) {
    const v = new Vcpu(s.vcpu, s, uls);
    uls.vcpus.push(v);
    s.run = run;
    s.pagefault = pagefault;
    s.pagefaultDisabled = pagefaultDisabled;
    s.trap = trap;
    s.critLow = resume.base;
    s.critHigh = resume.base + resume.size;
    s.udisp = v;
    s.disabled = 1;
    const first: SmContext = { kind: 'sm', id: 0, routine: init, pc: 0, r0: v, r1: undefined, r2: undefined, r3: undefined };
    s.disabledArea = first;
  }
  return uls;
}
