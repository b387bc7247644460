/**
 * Bugs the explorer found in the runtime and kernel while this layer was built, each as
 * the replay string its shrunk failure printed, pasted into a regression test (the
 * workflow of README "Race testing"). Before each fix the string failed as noted; now
 * every token still fires and the run completes.
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
    bug: 'several notices to a disabled vCPU started one kick chain each: an interrupt storm that never let it run (livelock)',
    program: [[], [{ kind: 'yield' as const }], []], mc: { vcpus: 3, cs: 'prevent' as const, policy: 'fifo' as const, seed: 331 },
    replay: 's332;tie#1=1;rv@cpu2:init#4;rv@cpu0:sched;rv@cpu2:run;irq@cpu2:sched+2#3;rv@cpu2:run+1#4;rv@cpu0:run',
  },
  {
    bug: 'recovery replaced `current` before the queued `blocked` notice was drained (panic: blocked event with no current thread)',
    program: [[{ kind: 'read' as const }], [{ kind: 'child' as const, ns: 0 }]], mc: { vcpus: 3, cs: 'recover' as const, policy: 'fifo' as const, seed: 233 },
    replay: 's236;tie#1=2;tie#2=1;rv@cpu1:init;irq@cpu1:run+2;tie#9=1;rv@T1:16',
  },
  {
    bug: 'a caught thread stayed in the recovery pool when the recovered one left by blocking (deadlock: lost thread)',
    program: [[], [{ kind: 'child' as const, ns: 579 }], [{ kind: 'child' as const, ns: 278 }, { kind: 'child' as const, ns: 0 }]],
    mc: { vcpus: 3, cs: 'recover' as const, policy: 'fifo' as const, seed: 3 },
    replay: 's3;tie#1=1;irq@cpu2:init+1;irq@cpu0:block;irq@cpu0:block#2;irq@T3:11;irq@cpu0:run;rv@T1:44;irq@T4:18',
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
