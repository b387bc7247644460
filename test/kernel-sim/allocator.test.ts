/**
 * The processor allocator: the water-filling split (pure), and through a Machine the
 * space-sharing of processors among processes with scheduler activations, the
 * vcpuAdded / vcpuRevoked notices, and the downcalls requestVcpus and vcpuIdle.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { SYS_REQUEST_VCPUS, SYS_VCPU_IDLE } from '../../kernel-sim/abi';
import { INJECT_NONE, SeededDecisions } from '../../kernel-sim/decisions';
import type { DecisionSource } from '../../kernel-sim/decisions';
import { IDLE_SPIN } from '../../runtime/dispatcher';
import { shares } from '../../kernel-sim/allocator';
import { compute, join, Machine, spawn } from '../../src/index';
import type { Code, Report, TraceEvent } from '../../src/index';

describe('shares (water-filling)', () => {
  it('splits evenly, gives unused share to the others, never idles a wanted CPU', () => {
    expect(shares(6, [6, 6])).toEqual([3, 3]);
    expect(shares(6, [1, 6])).toEqual([1, 5]);
    expect(shares(6, [2, 2])).toEqual([2, 2]);
    expect(shares(6, [6, 6, 6, 6])).toEqual([2, 2, 1, 1]);
    expect(shares(6, [])).toEqual([]);
  });

  test.prop([fc.integer({ min: 1, max: 16 }), fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 8 })])('laws', (cpus, demands) => {
    const s = shares(cpus, demands);
    const total = s.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(cpus);
    s.forEach((x, i) => expect(x).toBeLessThanOrEqual(demands[i] as number));
    if (demands.reduce((a, b) => a + b, 0) >= cpus) expect(total).toBe(cpus);
    const unmet = s.filter((x, i) => x < (demands[i] as number));
    if (unmet.length > 1) expect(Math.max(...unmet) - Math.min(...unmet)).toBeLessThanOrEqual(1);
  });
});

function app(threads: number, each: number): () => Code<number> {
  return function* main(): Code<number> {
    const ts = [];
    for (let i = 0; i < threads; i++) ts.push(yield* spawn(function* w(): Code<void> { for (let j = 0; j < 10; j++) yield* compute(each / 10); }));
    for (const t of ts) yield* join(t);
    return threads;
  };
}

/** Processors held by process p (its assigned vCPUs) at time t, from the trace. */
function heldAt(r: Report, dcbs: readonly number[], t: number): number {
  const held = new Set<number>();
  const evs = [...(r.trace ?? [])].filter((e: TraceEvent) => e.kind === 'vcpu-add' || e.kind === 'vcpu-revoke').sort((a, b) => a.time - b.time);
  for (const e of evs) {
    if (e.time > t) break;
    if (!dcbs.includes(e.a)) continue;
    if (e.kind === 'vcpu-add') held.add(e.a);
    else held.delete(e.a);
  }
  return held.size;
}

describe('space-sharing (seed 1)', () => {
  it('two processes with enough work split 6 CPUs 3/3; when one finishes the other receives all 6', () => {
    const m = new Machine({ cpus: 6, seed: 1, trace: true });
    m.process({ name: 'short', vcpus: 6 }, app(12, 200_000));
    m.process({ name: 'long', vcpus: 6 }, app(24, 400_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    const [short, long] = r.processes;
    if (short?.end.kind !== 'exited' || long?.end.kind !== 'exited') throw new Error('both must exit');
    const shortDcbs = [0, 1, 2, 3, 4, 5];
    const longDcbs = [6, 7, 8, 9, 10, 11];
    // while both run (after the start-up settles): 3 each
    for (const t of [50_000, 300_000, 700_000]) {
      expect(heldAt(r, shortDcbs, t), `short at ${t}`).toBe(3);
      expect(heldAt(r, longDcbs, t), `long at ${t}`).toBe(3);
    }
    // after short exits, long holds all 6
    expect(heldAt(r, longDcbs, short.end.time + 20_000)).toBe(6);
    // the work: short 12 x 200 us on 3 CPUs; long 9.6 ms of work, 3 then 6 CPUs
    expect(short.end.time).toBeGreaterThan(800_000);
    expect(short.end.time).toBeLessThan(900_000);
    // (~2.0 ms of pure work; a revocation notice early on puts main, still spawning, behind
    // the workers on the FIFO queue, so its last spawns start late: allow 10%)
    expect(long.end.time).toBeLessThan(2_200_000);
    expect(long.vcpus.filter((v) => v.busy > 100_000).length).toBe(6);
  });

  it('a process that idles gives its processors to one that wants them (vcpuIdle), and asks back (requestVcpus)', () => {
    function* bursty(): Code<void> {
      for (let round = 0; round < 3; round++) {
        const ts = [];
        for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* b(): Code<void> { yield* compute(100_000); }));
        for (const t of ts) yield* join(t);
        yield* compute(5_000); // one thread only: three vCPUs idle
      }
    }
    const m = new Machine({ cpus: 4, seed: 2, trace: true });
    m.process({ name: 'bursty', vcpus: 4 }, bursty);
    m.process({ name: 'steady', vcpus: 4 }, app(16, 400_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    const revokes = (r.trace ?? []).filter((e) => e.kind === 'vcpu-revoke').length;
    const adds = (r.trace ?? []).filter((e) => e.kind === 'vcpu-add').length;
    expect(revokes).toBeGreaterThan(2);
    expect(adds).toBeGreaterThan(revokes);
    // CPUs were never left idle while steady had work: its vCPUs together were busy
    // for most of the run
    const steady = r.processes[1]!;
    const busy = steady.vcpus.reduce((a, v) => a + v.busy, 0);
    expect(busy).toBeGreaterThan(16 * 400_000 * 0.95);
  });

  it('a single process keeps all its vCPUs (vcpuIdle blocks when nobody else needs the CPU)', () => {
    const m = new Machine({ cpus: 4, seed: 3, trace: true });
    m.process({ vcpus: 4 }, app(8, 100_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect((r.trace ?? []).filter((e) => e.kind === 'vcpu-revoke').length).toBe(0);
    expect(r.endTime).toBeLessThan(250_000); // 800 us of work on 4 vCPUs
  });

  it('more processes than CPUs still all finish (time-sharing the remainder)', () => {
    const m = new Machine({ cpus: 2, seed: 4 });
    for (let i = 0; i < 4; i++) m.process({ vcpus: 2 }, app(3, 50_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes.every((p) => p.end.kind === 'exited' && p.mainResult === 3)).toBe(true);
  });

  it('is deterministic with several processes', () => {
    const once = (): string => {
      const m = new Machine({ cpus: 6, seed: 5 });
      m.process({ vcpus: 6 }, app(10, 150_000));
      m.process({ vcpus: 3, mapping: '1:1' }, app(6, 100_000));
      m.process({ vcpus: 6, policy: 'lifo-steal' }, app(10, 120_000));
      return m.run().traceHash;
    };
    expect(once()).toBe(once());
  });

  it('the downcalls: requestVcpus when ready threads outnumber the vCPUs, vcpuIdle only after IDLE_SPIN idle rounds', () => {
    // A decision source that only watches: streaks of consecutive arrivals at the idle
    // loop (sched+6) per CPU. The round that finds the spin used up issues vcpuIdle.
    const base = new SeededDecisions(2);
    const streak = [0, 0, 0, 0];
    const ended: number[] = [];
    let idlePc = -1;
    const watcher: DecisionSource = {
      decide: (p) => base.decide(p),
      beforeStep: (cpu, pc) => {
        if (pc === idlePc) streak[cpu] = (streak[cpu] ?? 0) + 1;
        else if ((streak[cpu] ?? 0) > 0) {
          ended.push(streak[cpu] as number);
          streak[cpu] = 0;
        }
        return INJECT_NONE;
      },
    };
    const m = new Machine({ cpus: 4, seed: 2, trace: true }, watcher);
    idlePc = m.internals().kernel.code.resolve('sched', 6) as number;
    m.process({ name: 'bursty', vcpus: 4 }, function* bursty(): Code<void> {
      for (let round = 0; round < 3; round++) {
        const ts = [];
        for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* b(): Code<void> { yield* compute(100_000); }));
        for (const t of ts) yield* join(t);
        yield* compute(5_000);
      }
    });
    m.process({ name: 'steady', vcpus: 4 }, app(16, 400_000));
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    for (const s of streak) if (s > 0) ended.push(s);
    const trace = r.trace ?? [];
    const sys = (n: number): TraceEvent[] => trace.filter((e) => e.kind === 'syscall' && e.b === n);
    expect(sys(SYS_REQUEST_VCPUS).length).toBeGreaterThan(0);
    const idles = sys(SYS_VCPU_IDLE).length;
    expect(idles).toBeGreaterThan(0);
    // no idle streak is longer than the spin plus the round that gives up, and exactly
    // the streaks that reached it ended in vcpuIdle
    expect(Math.max(...ended)).toBe(IDLE_SPIN + 1);
    expect(ended.filter((n) => n === IDLE_SPIN + 1).length).toBe(idles);
  });
});
