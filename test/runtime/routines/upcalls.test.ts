/**
 * Every upcall path of the runtime, through a real Machine: run (preemption and
 * requeue, user-level time slicing), pagefault (the user-level pager), pagefault while
 * disabled (fatal for the process), trap (an illegal instruction), and the wake notice
 * that brings an idle vCPU back.
 */
import { describe, expect, it } from 'vitest';
import { compute, IllegalInstructionError, join, Machine, spawn, touch } from '../../../src/index';
import type { Code } from '../../../src/index';
import { OP_DISABLE } from '../../../kernel-sim/abi';
import { touchOp } from '../../../runtime/instr';
import { crashMessage, crashOf } from '../../faults';

describe('run upcall (seed 5)', () => {
  it('time-slices threads that never yield: every tick is an upcall that requeues the current thread', () => {
    const order: string[] = [];
    function* spinner(name: string): Code<void> {
      for (let i = 0; i < 6; i++) {
        yield* compute(4_000);
        order.push(name);
      }
    }
    function* main(): Code<void> {
      const a = yield* spawn(spinner, 'a');
      const b = yield* spawn(spinner, 'b');
      yield* join(a);
      yield* join(b);
    }
    const m = new Machine({ cpus: 1, seed: 5, jitter: 0, costs: { quantum: 10_000 } });
    m.process({}, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.counts.preemptions).toBeGreaterThan(3);
    expect(r.counts.upcalls).toBeGreaterThanOrEqual(r.counts.preemptions);
    // both threads progressed in alternation, not one after the other
    expect(order.slice(0, 6)).toContain('b');
    const vcpu = r.processes[0]?.vcpus[0];
    expect(vcpu?.runUpcalls).toBe(r.counts.upcalls);
    const [, ta, tb] = r.processes[0]?.threads ?? [];
    expect(ta!.readyTime).toBeGreaterThan(0);
    expect(tb!.readyTime).toBeGreaterThan(0);
    expect(ta!.runTime).toBeGreaterThanOrEqual(24_000);
  });

  it('an idle vCPU is woken by a notice when work appears and takes the thread', () => {
    const ran: number[] = [];
    function* child(): Code<void> {
      yield* compute(50_000);
    }
    function* main(): Code<void> {
      yield* compute(10_000); // vCPU 1 goes idle meanwhile
      const t = yield* spawn(child);
      yield* compute(50_000);
      yield* join(t);
    }
    const m = new Machine({ cpus: 2, seed: 5 });
    m.process({ vcpus: 2 }, main);
    const r = m.run();
    ran.push(...(r.processes[0]?.vcpus.map((v) => v.runUpcalls) ?? []));
    expect(r.outcome.kind).toBe('completed');
    // parallel: ~10us + 50us, not 110us
    expect(r.endTime).toBeLessThan(80_000);
    expect(r.processes[0]?.vcpus[1]?.busy).toBeGreaterThan(40_000);
  });
});

describe('pagefault upcall (seed 5)', () => {
  it('enabled: the user-level pager maps the page and the thread retries its access', () => {
    function* main(): Code<number> {
      for (const p of [1, 2, 1, 3, 2]) yield* touch(p);
      return 7;
    }
    const m = new Machine({ cpus: 1, seed: 5 });
    m.process({}, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe(7);
    expect(r.counts.faults).toBe(3); // first touches of pages 1, 2, 3
    expect(r.counts.upcalls).toBe(3);
  });

  it('disabled: a page fault inside dispatcher-mode code is fatal for the process', () => {
    function* main(): Code<void> {
      yield OP_DISABLE;
      yield touchOp(9);
    }
    const m = new Machine({ cpus: 1, seed: 5 });
    m.process({ name: 'server' }, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('fault');
    if (r.outcome.kind === 'fault') {
      expect(r.outcome.process).toBe('server');
      expect(r.outcome.message).toContain('page fault on page 9 while disabled');
    }
  });
});

describe('trap upcall (seed 5)', () => {
  it('a thread that yields a non-instruction ends the run with IllegalInstructionError naming it', () => {
    function* bad(): Code<void> {
      yield 'oops' as unknown as number;
    }
    function* main(): Code<void> {
      const t = yield* spawn(bad);
      yield* join(t);
    }
    const m = new Machine({ cpus: 1, seed: 5 });
    m.process({}, main);
    expect(crashOf(m.run())).toBeInstanceOf(IllegalInstructionError);
    const m2 = new Machine({ cpus: 1, seed: 5 });
    m2.process({}, main);
    expect(crashMessage(m2.run())).toMatch(/T2\(bad\) yielded "oops", which is not an upcall instruction.*yield\*/);
  });
});
