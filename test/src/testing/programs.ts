/**
 * Random thread programs for race-testing properties, and the scenario that runs one:
 * threads that compute, yield, sleep, read the disk, spawn and join a child, and take a
 * Mutex or a SpinLock; the check is that every thread finished its ops.
 */
import fc from 'fast-check';
import { compute, join, Mutex, read, sleep, spawn, SpinLock, yieldNow } from '../../../src/index';
import type { Code, Machine, Report } from '../../../src/index';
import type { Scenario } from '../../../src/testing/index';

export type Op =
  | { kind: 'compute'; ns: number }
  | { kind: 'yield' }
  | { kind: 'lock'; spin: boolean; ns: number }
  | { kind: 'sleep'; ns: number }
  | { kind: 'read' }
  | { kind: 'child'; ns: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('compute' as const), ns: fc.integer({ min: 1, max: 3_000 }) }),
  fc.record({ kind: fc.constant('yield' as const) }),
  fc.record({ kind: fc.constant('lock' as const), spin: fc.boolean(), ns: fc.integer({ min: 0, max: 2_000 }) }),
  fc.record({ kind: fc.constant('sleep' as const), ns: fc.integer({ min: 0, max: 4_000 }) }),
  fc.record({ kind: fc.constant('read' as const) }),
  fc.record({ kind: fc.constant('child' as const), ns: fc.integer({ min: 0, max: 2_000 }) }),
);

export interface ProgramMachine {
  readonly vcpus: number;
  readonly cs: 'prevent' | 'recover';
  readonly policy: 'fifo' | 'lifo-steal';
  readonly seed: number;
}

export const programArb = fc.array(fc.array(opArb, { maxLength: 5 }), { minLength: 1, maxLength: 4 });
export const machineArb: fc.Arbitrary<ProgramMachine> = fc.record({
  vcpus: fc.integer({ min: 1, max: 3 }), cs: fc.constantFrom('prevent' as const, 'recover' as const),
  policy: fc.constantFrom('fifo' as const, 'lifo-steal' as const), seed: fc.integer({ min: 1, max: 10_000 }),
});

/** Every thread of `program` on a 3-CPU machine; check: each finished all its ops. */
export function programScenario(program: readonly (readonly Op[])[], mc: ProgramMachine): Scenario {
  return {
    machine: { cpus: 3, seed: mc.seed, costs: { quantum: 20_000 } },
    setup(m: Machine): void {
      const mu = new Mutex('m');
      const sp = new SpinLock('s');
      m.process({ vcpus: mc.vcpus, criticalSections: mc.cs, policy: mc.policy }, function* main(): Code<number> {
        const hs = [];
        for (const ops of program) {
          hs.push(yield* spawn(function* body(): Code<number> {
            for (const op of ops) {
              if (op.kind === 'compute') yield* compute(op.ns);
              else if (op.kind === 'yield') yield* yieldNow();
              else if (op.kind === 'sleep') yield* sleep(op.ns);
              else if (op.kind === 'read') yield* read(1024);
              else if (op.kind === 'child') yield* join(yield* spawn(function* c(): Code<void> { yield* compute(op.ns); }));
              else {
                const l = op.spin ? sp : mu;
                yield* l.lock();
                yield* compute(op.ns);
                yield* l.unlock();
              }
            }
            return ops.length;
          }));
        }
        let n = 0;
        for (const h of hs) n += yield* join(h);
        return n;
      });
    },
    check: (r: Report) => r.processes[0]?.mainResult === program.reduce((a, ops) => a + ops.length, 0) || 'a thread did not finish its ops',
  };
}
