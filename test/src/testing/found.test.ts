/**
 * Bugs the explorer found in the runtime and kernel while this layer was built, each as
 * the replay string its shrunk failure printed, pasted into a regression test (the
 * workflow of README "Race testing"). Before each fix the string failed as noted; now
 * every token still fires and the run completes. When the cost model changes the
 * timing, a string is re-found by exploring the same program with its fix reverted.
 * (The kick-chain interrupt storm is tested in test/kernel-sim/notices.test.ts instead:
 * its shrunk strings place their last tokens inside the storm itself, so they cannot
 * replay once the storm is gone.)
 */
import { describe, expect, it } from 'vitest';
import { replay } from '../../../src/testing/index';
import { programScenario } from './programs';

const cases = [
  {
    bug: 'a revocation taken at sys_yield dropped the thread parked in the enabled area (deadlock: lost thread)',
    program: [[{ kind: 'yield' as const }]], mc: { vcpus: 1, cs: 'prevent' as const, policy: 'fifo' as const, seed: 1 },
    replay: 's1;rv@cpu0:init',
  },
  {
    bug: 'recovery replaced `current` before the queued `blocked` notice was drained (panic: blocked event with no current thread)',
    program: [[{ kind: 'read' as const }], [{ kind: 'child' as const, ns: 0 }]], mc: { vcpus: 3, cs: 'recover' as const, policy: 'fifo' as const, seed: 233 },
    // re-found after the kernel cost model moved every instruction (fix reverted: the same panic)
    replay: 's50;tie#1=1;irq@cpu1:sched+6#6;irq@cpu2:init#8;irq@main/2:body:block;rv@main:18;rv@main/1:body:run',
  },
  {
    bug: 'a caught thread stayed in the recovery pool when the recovered one left by blocking (deadlock: lost thread)',
    program: [[], [{ kind: 'child' as const, ns: 579 }], [{ kind: 'child' as const, ns: 278 }, { kind: 'child' as const, ns: 0 }]],
    mc: { vcpus: 3, cs: 'recover' as const, policy: 'fifo' as const, seed: 3 },
    replay: 's3;tie#1=1;irq@cpu2:init+1;irq@cpu0:block;irq@cpu0:block#2;irq@main/2:body:11;irq@cpu0:run;rv@main:44;irq@main/3:body:18',
  },
];

describe('regressions found by the explorer', () => {
  for (const c of cases) {
    it(c.bug, () => {
      const r = replay(programScenario(c.program, c.mc), c.replay);
      expect(r.failure).toBeNull();
      expect(r.fired.length).toBeGreaterThan(0);
    });
  }
});

describe('regressions found by the soak (bench/soak)', () => {
  it('a scenario under 1:1 that spawns runs in test mode: the tracker no longer reads a new kernel thread\'s unset udisp', async () => {
    const { runScenario } = await import('../../../src/testing/index');
    const { compute, join, spawn } = await import('../../../src/index');
    for (const mapping of ['1:1', 'N:1', 'M:N'] as const) {
      const r = runScenario({
        machine: { cpus: 3, seed: 2 },
        setup: (m) => {
          m.process({ mapping, vcpus: mapping === 'N:1' ? 1 : 2 }, function* main() {
            const t = yield* spawn(function* child() { yield* compute(10); return 1; });
            return yield* join(t);
          });
        },
        check: (rep) => rep.processes[0]?.mainResult === 1,
      });
      expect(r.failure, mapping).toBeNull();
    }
  });
});
