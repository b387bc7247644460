/**
 * The kernel model's paths, each shown by the behaviour that produces a figure: what a
 * kernel call charges (trap + dispatch + its path's work, kernel-thread or process
 * values), one call for create-and-run and for exit-and-wake, address-space switches
 * only on a change of space, a breakdown that accounts for every ns, the activations
 * runtime's own instructions, delays that overlap, and kernel semaphores.
 */
import { describe, expect, it } from 'vitest';
import {
  compute, delay, join, KernelSemaphore, Machine, read, Semaphore, spawn, yieldNow,
} from '../../src/index';
import type { Code, PrimitiveCharge, ProcessOptions, Report } from '../../src/index';

function count(r: Report, name: string): number {
  return r.primitives.find((p: PrimitiveCharge) => p.name === name)?.count ?? 0;
}

function run(o: ProcessOptions, main: () => Code<unknown>, m = new Machine({ cpus: 1, seed: 1, jitter: 0 })): Report {
  m.process(o, main);
  const r = m.run();
  expect(r.outcome.kind).toBe('completed');
  return r;
}

/** n children forked and joined; the difference of a 2n and an n run is n forks' worth. */
function forks(n: number): () => Code<void> {
  return function* main(): Code<void> {
    for (let i = 0; i < n; i++) yield* join(yield* spawn(function* kid(): Code<void> { /* null */ }));
  };
}

function perFork(o: ProcessOptions, name: string): number {
  return (count(run(o, forks(20)), name) - count(run(o, forks(10)), name)) / 10;
}

describe('per-path kernel work (modern preset, 1 CPU, seed 1)', () => {
  it('a 1:1 fork is one create-and-run call, its exit one exit-and-wake call, the join one park: three crossings', () => {
    const o: ProcessOptions = { mapping: '1:1' };
    expect(perFork(o, 'trapEntry')).toBe(3);
    expect(perFork(o, 'syscallDispatch')).toBe(3);
    expect(perFork(o, 'kernelThreadCreate')).toBe(1);
    expect(perFork(o, 'kernelThreadExit')).toBe(1);
    expect(perFork(o, 'kernelBlock')).toBe(1); // the joiner parks
    expect(perFork(o, 'kernelWakeup')).toBe(2); // the new thread made runnable, the joiner woken by the exit
    expect(perFork(o, 'processCreate')).toBe(0);
  });

  it('a heavyweight process charges the process values of the same paths, and an address-space switch per switch', () => {
    const o: ProcessOptions = { mapping: '1:1', heavyweight: true };
    expect(perFork(o, 'processCreate')).toBe(1);
    expect(perFork(o, 'processExit')).toBe(1);
    expect(perFork(o, 'processBlock')).toBe(1);
    expect(perFork(o, 'processSyscallDispatch')).toBe(3);
    expect(perFork(o, 'kernelThreadCreate')).toBe(0);
    expect(perFork(o, 'addressSpaceSwitch')).toBe(perFork(o, 'processSwitch')); // every switch changes space
  });

  it('user-level mappings make no kernel call on the fast path', () => {
    for (const o of [{ vcpus: 1 }, { vcpus: 1, activations: false }] as ProcessOptions[]) {
      expect(perFork(o, 'trapEntry'), JSON.stringify(o)).toBe(0);
      expect(perFork(o, 'kernelSwitch'), JSON.stringify(o)).toBe(0);
    }
  });

  it('an address-space switch is charged only when a CPU changes space', () => {
    // A lone 1:1 thread that sleeps and wakes on an otherwise idle CPU: the CPU keeps its space loaded.
    const lone = run({ mapping: '1:1' }, function* (): Code<void> {
      for (let i = 0; i < 5; i++) yield* delay(1_000);
    });
    expect(lone.counts.kernelSwitches).toBeGreaterThanOrEqual(5); // each wake-up is a switch from idle
    expect(lone.counts.addressSpaceSwitches).toBe(1); // only the very first load
    // Two heavyweight processes' threads ping-pong: each switch changes space.
    const pp = run({ mapping: '1:1', heavyweight: true }, function* (): Code<void> {
      const a = new Semaphore(0);
      const b = new Semaphore(0);
      const t = yield* spawn(function* other(): Code<void> { for (let i = 0; i < 10; i++) { yield* a.wait(); yield* b.post(); } });
      for (let i = 0; i < 10; i++) { yield* a.post(); yield* b.wait(); }
      yield* join(t);
    });
    expect(pp.counts.addressSpaceSwitches).toBeGreaterThanOrEqual(20);
    // Threads of one address space never switch space.
    const threads = run({ mapping: '1:1' }, function* (): Code<void> {
      const t = yield* spawn(function* other(): Code<void> { for (let i = 0; i < 10; i++) yield* yieldNow(); });
      for (let i = 0; i < 10; i++) yield* yieldNow();
      yield* join(t);
    });
    expect(threads.counts.kernelSwitches).toBeGreaterThanOrEqual(20);
    expect(threads.counts.addressSpaceSwitches).toBe(1);
  });

  it('the breakdown accounts for every ns a busy CPU spent', () => {
    // One CPU that never idles: the charged primitives and the compute add up to its clock.
    const m = new Machine({ cpus: 1, seed: 1, jitter: 0 });
    const r = run({ mapping: '1:1' }, function* (): Code<void> {
      for (let i = 0; i < 5; i++) {
        const t = yield* spawn(function* w(): Code<void> { yield* compute(3_000); yield* yieldNow(); });
        yield* compute(2_000);
        yield* join(t);
      }
    }, m);
    const total = r.primitives.reduce((a, p) => a + p.ns, 0);
    expect(total).toBe(m.internals().kernel.cpus[0]!.time);
    expect(total).toBeGreaterThanOrEqual(r.endTime); // (the kernel's last decision comes after the process ended)
    expect(r.primitives.find((p) => p.name === 'compute')?.ns).toBe(5 * 5_000);
  });
});

describe('the activations runtime pays for its bookkeeping (modern preset)', () => {
  it('the same fork costs more instructions under activations than on kernel threads, and no kernel work', () => {
    const sa = perFork({ vcpus: 1 }, 'instruction');
    const ft = perFork({ vcpus: 1, activations: false }, 'instruction');
    // marks: the spawn's critical section (enter, leave) and the join's (enter; its block ends
    // it inside the block routine); the busy count: spawn +1, the join's block -1, exit -1, the woken joiner +1
    expect(sa - ft).toBe(7);
  });

  it('the busy count ends at zero and drives requestVcpus', () => {
    const m = new Machine({ cpus: 4, seed: 1 });
    m.process({ vcpus: 4 }, function* (): Code<void> {
      const ts = [];
      for (let i = 0; i < 8; i++) ts.push(yield* spawn(function* w(): Code<void> { yield* compute(50_000); }));
      for (const t of ts) yield* join(t);
    });
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(m.internals().processes[0]!.uls.busy).toBe(0);
    expect(r.processes[0]!.vcpus.every((v) => v.busy > 100_000)).toBe(true); // the vCPUs asked for were used
  });
});

describe('delays do not queue; disk reads do (modern preset, seed 1)', () => {
  for (const o of [{ vcpus: 1 }, { vcpus: 4, activations: false }, { mapping: '1:1', vcpus: 4 }] as ProcessOptions[]) {
    it(`four concurrent delays of 1 ms overlap, four reads queue on the one disk: ${JSON.stringify(o)}`, () => {
      const four = (op: () => Code<void>) => function* (): Code<void> {
        const ts = [];
        for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* t(): Code<void> { yield* op(); }));
        for (const t of ts) yield* join(t);
      };
      const d = run(o, four(function* () { yield* delay(1_000_000); }), new Machine({ cpus: 4, seed: 1 }));
      const rd = run(o, four(function* () { yield* read(0); }), new Machine({ cpus: 4, seed: 1, costs: { diskLatency: 1_000_000 } }));
      expect(d.counts.delays).toBe(4);
      expect(d.endTime).toBeLessThan(1_200_000);
      expect(rd.endTime).toBeGreaterThan(4_000_000);
    });
  }
});

describe('KernelSemaphore: every wait and post is a kernel call', () => {
  // (plain M:N needs a kernel thread per thread that waits in the kernel: one would deadlock, as N:1 does)
  for (const o of [{ vcpus: 1 }, { vcpus: 2, activations: false }, { mapping: '1:1' }, { mapping: '1:1', heavyweight: true }] as ProcessOptions[]) {
    it(`a ping-pong completes, each operation a crossing: ${JSON.stringify(o)}`, () => {
      const n = 10;
      const r = run(o, function* (): Code<void> {
        const a = new KernelSemaphore(0);
        const b = new KernelSemaphore(0);
        const t = yield* spawn(function* other(): Code<void> { for (let i = 0; i < n; i++) { yield* a.wait(); yield* b.post(); } });
        for (let i = 0; i < n; i++) { yield* a.post(); yield* b.wait(); }
        yield* join(t);
      }, new Machine({ cpus: 2, seed: 1, jitter: 0 }));
      expect(r.counts.syscalls).toBeGreaterThanOrEqual(4 * n);
      if (o.mapping === undefined && o.activations === undefined) {
        // activations: a wait that blocks is a `blocked` upcall (batched with the wake-up's `unblocked` at times)
        expect(r.counts.upcalls).toBeGreaterThanOrEqual(n);
      } else {
        expect(r.counts.upcalls).toBe(0);
      }
    });
  }

  it('on the Firefly the upcall path runs to completion (regression: a retried kick landed before the next instruction)', () => {
    // firefly: an IPI (10 us) is shorter than an interrupt's entry and return (18 us); a
    // notice retry counted from the interrupt, not the resume, stormed a disabled vCPU.
    const m = new Machine({ cpus: 2, preset: 'firefly', seed: 1, daemons: false, maxSteps: 200_000 });
    m.process({ vcpus: 1, criticalSections: 'recover' }, function* (): Code<void> {
      const a = new KernelSemaphore(0);
      const b = new KernelSemaphore(0);
      const t = yield* spawn(function* other(): Code<void> { for (let i = 0; i < 20; i++) { yield* a.wait(); yield* b.post(); } });
      for (let i = 0; i < 20; i++) { yield* a.post(); yield* b.wait(); }
      yield* join(t);
    });
    expect(m.run().outcome.kind).toBe('completed');
  });
});
