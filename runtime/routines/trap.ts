/**
 * trap (enabled): an illegal instruction or a bad operand in a thread kills the run with
 * a typed error naming the thread and what it yielded.
 *
 * Registers: r0 = { code, detail }.
 */
import { SYS_ABORT } from '../../kernel-sim/abi';
import type { Routine, SmExec } from '../../kernel-sim/abi';
import { assertDisabled, currentOf, vcpuOfExec } from '../dispatcher';
import { IllegalInstructionError, panic } from '../errors';
import type { ThreadCrash } from './exit';

export const trap: Routine = {
  name: 'trap',
  size: 2,
  step(x: SmExec): void {
    if (x.pc === 0) {
      assertDisabled(x, 'trap');
      const v = vcpuOfExec(x);
      const me = currentOf(v, 'trap');
      const info = x.r0 as { code: string; detail: unknown };
      const error = info.code === 'illegal-instruction'
        ? new IllegalInstructionError(`${me.label} yielded ${describe(info.detail)}, which is not an upcall instruction: call thread operations with yield* (yield* compute(10), not yield compute(10))`)
        : new IllegalInstructionError(`${me.label}: ${info.code} (${describe(info.detail)})`);
      const crash: ThreadCrash = { kind: 'thread-crash', thread: me.label, error, time: x.now };
      x.pc = 1;
      x.syscall(SYS_ABORT, crash);
      return;
    }
    panic('trap', `returned from SYS_ABORT (pc ${x.pc})`);
  },
};

function describe(v: unknown): string {
  if (typeof v === 'object' && v !== null) return `an object (${Object.prototype.toString.call(v)})`;
  return `${typeof v} ${String(v)}`;
}
