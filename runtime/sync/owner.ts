/**
 * Owners of sync objects: a Mutex, Cond, Semaphore, RwLock, Barrier, Channel or SpinLock
 * belongs to the process (of one machine) that first uses it, and any other process
 * using it gets a ForeignObjectError in the calling thread, naming both owners. Without
 * this, one object shared by two processes ran one process's thread on the other's vCPU.
 *
 * Invariants:
 *  1. `home` is set once, by the first operation on the object inside a green thread.
 *  2. Every public operation of a sync object calls bindOwner before it issues any
 *     instruction, so a foreign use changes nothing.
 */
import type { CpuView } from '../../kernel-sim/abi';
import { ForeignObjectError } from '../errors';
import { vcpuOf } from '../uls';
import type { OwnedObject, Uls } from '../uls';

export function bindOwner(o: OwnedObject, cpu: CpuView, api: string): void {
  const uls = vcpuOf(cpu).uls;
  const home = o.home;
  if (home === uls) return;
  if (home === null) {
    o.home = uls;
    uls.objects.push(o);
    return;
  }
  const who = (vcpuOf(cpu).current as { label?: string } | null)?.label ?? '?';
  throw new ForeignObjectError(`${api}: ${who} of process '${uls.name}' used ${o.label}, which belongs to ${describeHome(home, uls)}`);
}

function describeHome(home: Uls, here: Uls): string {
  if (home.name === here.name && home.process === here.process) return `a process of the same name ('${home.name}') on another machine`;
  return `process '${home.name}'${sameMachine(home, here) ? '' : ' of another machine'}`;
}

/** Two runtimes of one machine share the kernel's code map (their routines' addresses). */
function sameMachine(a: Uls, b: Uls): boolean {
  return a.machine === b.machine;
}
