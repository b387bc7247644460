/**
 * Step-level invariants (src/testing/invariants.ts): each one stops a run where its
 * condition breaks, with its name, the step and the replay string; the breaches are
 * provoked faithfully where the machine allows (the PC-range check off) and otherwise by
 * an observer that corrupts one field just before the checker looks. A property then
 * shows the converse: on the real runtime, with interrupts and revocations landed at
 * random instructions (dispatcher code included), no invariant ever breaks.
 */
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { USER_CODE_PC } from '../../../kernel-sim/abi';
import type { GenContext } from '../../../kernel-sim/abi';
import { MODE_GEN } from '../../../kernel-sim/cpu';
import type { Cpu } from '../../../kernel-sim/cpu';
import type { KernelObserver } from '../../../kernel-sim/observer';
import { resumeRace } from '../../../examples/race-resume';
import { compute, join, Machine, spawn } from '../../../src/index';
import type { Code, Report } from '../../../src/index';
import type { MachineInternals } from '../../../src/machine';
import { explore, INVARIANTS, random, replay } from '../../../src/testing/index';
import { machineArb, programArb, programScenario } from './programs';

/** Two threads computing in small steps on `vcpus` vCPUs. */
function busy(vcpus: number): () => Code<number> {
  return function* main(): Code<number> {
    const ts = [];
    for (let i = 0; i < vcpus; i++) ts.push(yield* spawn(function* w(): Code<number> { for (let j = 0; j < 50; j++) yield* compute(200); return 1; }));
    let s = 0;
    for (const t of ts) s += yield* join(t);
    return s;
  };
}

/** Run with the named invariant only, after `corrupt` ran once where `when` first held. */
function corrupted(name: string, vcpus: number, when: (cpu: Cpu, m: MachineInternals) => boolean, corrupt: (cpu: Cpu, m: MachineInternals) => void): Report {
  const m = new Machine({ cpus: vcpus, seed: 2, invariants: [name] });
  m.process({ vcpus }, busy(vcpus));
  const inner = m.internals();
  let done = false;
  const o: KernelObserver = {
    afterStep: (cpu) => {
      if (!done && when(cpu, inner)) {
        done = true;
        corrupt(cpu, inner);
      }
    },
    landed: () => undefined,
    resumed: () => undefined,
    upcall: () => undefined,
  };
  inner.kernel.observer = o; // run() adds the checker after it
  return m.run();
}

function threadOn(cpu: Cpu, m: MachineInternals) {
  return m.processes[0]?.uls.threadOf(cpu.stack) ?? undefined;
}

describe('each invariant stops the run where it breaks', () => {
  it('crit-implies-disabled: an interrupt at resume+1 with the range check off', () => {
    const r = replay(resumeRace({ unsafe: true }), 's1;irq@cpu0:resume+1#3', { invariants: ['crit-implies-disabled'] });
    const o = r.report?.outcome;
    expect(o?.kind).toBe('invariant');
    if (o?.kind !== 'invariant') return;
    expect(o.breach.name).toBe('crit-implies-disabled');
    expect(o.breach.pc).toBe('resume+1');
    expect(o.breach.step).toBeGreaterThan(0);
    expect(o.replay).toBe('s1;irq@main/2:worker:resume+1'); // recorded in the thread form (main's 2nd spawn, T3)
    expect(r.failure).toMatch(/^invariant crit-implies-disabled broken at step \d+, resume\+1 on cpu0/);
  });

  it('no-upcall-while-disabled: the same landing, caught at the upcall that follows', () => {
    const s = resumeRace({ unsafe: true });
    const quiet = { ...s, machine: { ...s.machine, onViolation: 'record' as const } }; // past detection layer 1
    const r = replay(quiet, 's1;irq@cpu0:resume+1#3', { invariants: ['no-upcall-while-disabled'] });
    const o = r.report?.outcome;
    expect(o?.kind).toBe('invariant');
    if (o?.kind !== 'invariant') return;
    expect(o.breach.name).toBe('no-upcall-while-disabled');
    expect(o.breach.what).toMatch(/upcall 'run' into p0\.v0, whose state was last saved while it was disabled/);
    // with the check on the same landing is resumed verbatim: no breach
    expect(replay(resumeRace({ unsafe: false }), 's1;irq@cpu0:resume+1#3').ok).toBe(true);
  });

  it('one-context-per-vcpu: one dispatcher shown on two CPUs', () => {
    const r = corrupted('one-context-per-vcpu', 2, (_c, m) => m.kernel.cpus.every((x) => x.mode === MODE_GEN), (_c, m) => {
      (m.kernel.cpus[1] as Cpu).dcbIndex = (m.kernel.cpus[0] as Cpu).dcbIndex;
    });
    expect(r.outcome).toMatchObject({ kind: 'invariant', breach: { name: 'one-context-per-vcpu', what: expect.stringMatching(/dispatcher #\d+ runs on cpu0 and cpu1/) } });
  });

  it('no-double-slot: a running thread with an unresumed copy of itself in its TCB', () => {
    const r = corrupted('no-double-slot', 1, (c, m) => c.mode === MODE_GEN && threadOn(c, m)?.name === 'w', (c, m) => {
      const t = threadOn(c, m)!;
      const copy: GenContext = {
        kind: 'gen', id: 999_999, stack: t.stack, seq: t.stack.seq, value: undefined, throwing: false,
        pendingOp: -1, pendingArg: undefined, pc: USER_CODE_PC, used: false,
      };
      t.saved = copy;
    });
    expect(r.outcome).toMatchObject({ kind: 'invariant', breach: { name: 'no-double-slot', what: expect.stringMatching(/T\d\(w\) runs on cpu0 and an unresumed context #999999 of it sits in its TCB/) } });
  });

  it('runqueue-well-formed: a running thread marked as queued', () => {
    const r = corrupted('runqueue-well-formed', 1, (c, m) => c.mode === MODE_GEN && threadOn(c, m)?.name === 'w', (c, m) => {
      threadOn(c, m)!.queued = true;
    });
    expect(r.outcome).toMatchObject({ kind: 'invariant', breach: { name: 'runqueue-well-formed', what: expect.stringMatching(/threads marked queued, the queue holds/) } });
  });

  it('runqueue-well-formed: a ready thread on no queue is a lost thread', () => {
    const r = corrupted('runqueue-well-formed', 1, (c, m) => c.mode === MODE_GEN && (m.processes[0]?.uls.policy.size() ?? 0) > 0, (_c, m) => {
      const uls = m.processes[0]!.uls;
      const t = uls.policy.pickNext(0)!; // off the queue, still 'ready'
      expect(t.state).toBe('ready');
    });
    expect(r.outcome).toMatchObject({ kind: 'invariant', breach: { name: 'runqueue-well-formed', what: expect.stringMatching(/is ready but on no run queue \(a lost thread\)/) } });
  });

  it('activations-equal-vcpus: an activation of an assigned vCPU that is not running', () => {
    const r = corrupted('activations-equal-vcpus', 1, (c) => c.mode === MODE_GEN, (_c, m) => {
      m.kernel.dcbs[0]!.activation!.state = 'blocked';
    });
    expect(r.outcome).toMatchObject({ kind: 'invariant', breach: { name: 'activations-equal-vcpus', what: expect.stringMatching(/p0\.v0 has no running activation of its own/) } });
  });

  it('names are checked: an unknown invariant is a ConfigError listing the known ones', () => {
    expect(() => new Machine({ invariants: ['no-such'] })).toThrow(/Machine\.invariants: unknown invariant 'no-such' \(known: one-context-per-vcpu, no-double-slot/);
    expect(INVARIANTS.length).toBe(6);
  });
});

describe('the real runtime never breaks an invariant', () => {
  test.prop([programArb, machineArb], { numRuns: 40 })('interrupts and revocations at random instructions (dispatcher code included)', (program, mc) => {
    const r = explore(programScenario(program, mc), { strategy: random({ rate: 25, kinds: ['irq', 'rv'], choices: true }), runs: 4, shrink: false });
    expect(r.baseline.failure).toBeNull();
    expect(r.firstFailure?.failure ?? null).toBeNull();
  });
});
