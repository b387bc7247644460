/**
 * The kernel scheduler's two regimes side by side (ksched.ts, allocation.ts): kernel
 * threads of processes without activations time-shared over the pool, oblivious of
 * user-level state; activation processes space-shared; daemons that prefer idle CPUs.
 * And two bugs found by review: vcpuIdle on a process's last vCPU, and code-map
 * addresses shared between machines.
 */
import { describe, expect, it } from 'vitest';
import type { Routine } from '../../kernel-sim/abi';
import { resolveCosts } from '../../kernel-sim/costs';
import { SeededDecisions } from '../../kernel-sim/decisions';
import { Kernel } from '../../kernel-sim/kernel';
import { PRESETS } from '../../kernel-sim/presets';
import { ROUTINES } from '../../runtime/routines/index';
import { compute, join, Machine, sleep, spawn, SpinLock } from '../../src/index';
import type { Code, ProcessOptions } from '../../src/index';

function* crunch(threads: number, ns: number): Code<number> {
  const ts = [];
  for (let i = 0; i < threads; i++) ts.push(yield* spawn(function* w(): Code<void> { yield* compute(ns); }));
  for (const t of ts) yield* join(t);
  return threads;
}

describe('time-sharing of kernel threads (modern preset)', () => {
  it('two kernel-thread processes wanting all CPUs share them by quanta, not by a split', () => {
    const m = new Machine({ cpus: 2, seed: 1, trace: true });
    m.process({ name: 'a', vcpus: 2, activations: false }, () => crunch(2, 5_000_000));
    m.process({ name: 'b', vcpus: 2, activations: false }, () => crunch(2, 5_000_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    const alloc = (r.trace ?? []).find((e) => e.kind === 'alloc');
    expect(alloc?.b).toBe(2); // the pool is both CPUs
    expect((r.trace ?? []).filter((e) => e.kind === 'vcpu-add').length).toBe(0); // the allocator never assigns them
    // both run the whole time, a quantum at a time: they end together, after ~2x the work of one
    const [a, b] = r.processes.map((p) => (p.end.kind === 'exited' ? p.end.time : -1)) as [number, number];
    expect(Math.abs(a - b)).toBeLessThan(2_000_000);
    expect(Math.min(a, b)).toBeGreaterThan(8_000_000);
    // every kernel thread ran on both CPUs at some point (one queue, no pinning)
    expect(r.counts.kernelSwitches).toBeGreaterThan(10);
  });

  it('the kernel preempts a kernel thread holding a user-level spinlock, and the others spin out their quanta', () => {
    const spinsOf = (o: ProcessOptions): number => {
      const m = new Machine({ cpus: 2, seed: 1 });
      m.process(o, function* (): Code<void> {
        const l = new SpinLock('s');
        const ts = [];
        for (let i = 0; i < 3; i++) ts.push(yield* spawn(function* w(): Code<void> { for (let j = 0; j < 40; j++) { yield* l.lock(); yield* compute(50_000); yield* l.unlock(); } }));
        for (const t of ts) yield* join(t);
      });
      m.process({ name: 'other', vcpus: 2, activations: false }, () => crunch(2, 4_000_000));
      const r = m.run();
      expect(r.outcome.kind).toBe('completed');
      return r.counts.spins;
    };
    expect(spinsOf({ vcpus: 2, activations: false })).toBeGreaterThan(10_000);
  });

  it('activation processes are space-shared beside the time-sharing pool on one machine', () => {
    const m = new Machine({ cpus: 4, seed: 1 });
    m.process({ name: 'sa', vcpus: 4 }, () => crunch(8, 2_000_000));
    m.process({ name: 'ts', vcpus: 4, activations: false }, () => crunch(8, 2_000_000));
    let sawSplit = false;
    const k = m.internals().kernel;
    k.observer = {
      afterStep(): void {
        const sa = k.procs[0]!.dcbs.filter((d) => d.assigned && d.state !== 'removed').length;
        const pool = k.inPool.filter((x) => x).length;
        if (sa === 2 && pool === 2) sawSplit = true;
        // never both on one CPU (4 CPUs are enough for disjoint shares)
        for (const d of k.procs[0]!.dcbs) if (d.assigned && d.state !== 'removed') expect(k.inPool[d.cpu]).toBe(false);
      },
      landed(): void {}, resumed(): void {}, upcall(): void {},
    };
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(sawSplit).toBe(true);
  });
});

describe('kernel daemons prefer an idle CPU (modern preset)', () => {
  const daemons = { count: 2, period: 100_000, burst: 20_000 };
  for (const o of [{ vcpus: 2 }, { vcpus: 2, activations: false }, { mapping: '1:1', vcpus: 2 }] as ProcessOptions[]) {
    it(`an application on 2 of 4 CPUs is never preempted by them; on 4 of 4 it is: ${JSON.stringify(o)}`, () => {
      /** Preemptions of the application by a daemon (a 'resched' landing), counted by an observer. */
      const preemptions = (cpus: number, vcpus: number): number => {
        const m = new Machine({ cpus, seed: 1, daemons });
        m.process({ ...o, vcpus }, () => crunch(vcpus, 3_000_000));
        let n = 0;
        m.internals().kernel.observer = {
          afterStep(): void {}, resumed(): void {}, upcall(): void {},
          landed(_c, _kind, cause): void { if (cause === 'resched') n++; },
        };
        expect(m.run().outcome.kind).toBe('completed');
        return n;
      };
      expect(preemptions(4, 2)).toBe(0); // the daemons found idle CPUs every time
      expect(preemptions(4, 4)).toBeGreaterThan(20); // no idle CPU: they preempt the application
    });
  }
});

describe('regressions found by the isolation fuzzer', () => {
  // Process a (1:1, CPUs 0-1) ends while b (1:1 heavyweight, CPUs 2 and 0) is inside a
  // 60 us heavyweight create on CPU 2. The pool then kept CPUs 0-1, so b's thread on CPU 2
  // was preempted off a CPU outside the pool and queued, and nobody woke idle CPU 0.
  function pair(): Machine {
    const m = new Machine({ cpus: 3, seed: 5, trace: true });
    m.process({ name: 'a', vcpus: 2, mapping: '1:1' }, () => crunch(1, 2_000));
    m.process({ name: 'b', vcpus: 2, mapping: '1:1', heavyweight: true }, () => crunch(1, 2_000));
    return m;
  }

  it('a time-shared thread pushed off a CPU that left the pool wakes an idle CPU it may use (no lost wake-up)', () => {
    const r = pair().run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes.map((p) => p.mainResult)).toEqual([1, 1]);
  });
});

describe('regressions found by review', () => {
  it('vcpuIdle on a process\'s last vCPU arms its wakeup: a sleeper wakes though another process wants processors', () => {
    const m = new Machine({ cpus: 2, seed: 1 });
    m.process({ name: 'sleeper', vcpus: 1 }, function* (): Code<number> {
      yield* sleep(200_000); // its only vCPU goes idle: vcpuIdle while `busy` wants both CPUs
      return 7;
    });
    m.process({ name: 'busy', vcpus: 2 }, () => crunch(4, 1_000_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed'); // before the fix: a false deadlock
    expect(r.processes[0]?.mainResult).toBe(7);
    const end = r.processes[0]?.end;
    expect(end?.kind === 'exited' ? end.time : 0).toBeLessThan(300_000); // woken on time
  });

  it('code-map addresses are per machine: another machine registering an extra routine moves nothing here', () => {
    const a = new Machine({ cpus: 1, seed: 1, inject: [{ at: 'resume+1', nth: 3 }] });
    a.process({ vcpus: 1 }, () => crunch(4, 10_000));
    // a second kernel that registers one more routine before the runtime's
    const extra: Routine = { name: 'extra', size: 7, step: () => undefined };
    const b = new Kernel({ cpus: 1, costs: resolveCosts(PRESETS['modern']!.costs), decisions: new SeededDecisions(1), jitter: 0, unsafeNoCritCheck: false, onViolation: 'record', recordTrace: false });
    b.registerRoutine(extra);
    for (const rt of ROUTINES) b.registerRoutine(rt);
    expect(b.code.resolve('resume')).not.toBe(a.internals().kernel.code.resolve('resume'));
    // an interrupt inside resume on machine a is still inside a's critical range (R1): no corruption
    const r = a.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.violationCount).toBe(0);
    expect(r.counts.injected).toBe(1);
  });
});
