/**
 * Properties over random thread programs (fast-check), with random timer quanta,
 * vCPU counts 1-4, both run-queue policies and random seeds:
 *  - mutual exclusion holds for every mutex and spinlock;
 *  - no wake-up is lost: every program (deadlock-free by construction) completes;
 *  - every spawned thread, joined or detached, finishes, and joiners get its value;
 *  - the run queue never holds a thread twice (the policy panics if it would) and is
 *    empty at the end; no detection-layer violation is ever reported;
 *  - hand-offs through a Semaphore, a bounded Channel and a Mutex + Cond deliver every
 *    unit, message and signal;
 *  - all of this with critical sections prevented or recovered, with and without
 *    kernel daemons taking processors.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import {
  Channel, compute, Cond, detach, join, Machine, Mutex, Semaphore, sleep, spawn, SpinLock, yieldNow,
} from '../../src/index';
import type { Code, Thread } from '../../src/index';

type Op =
  | { kind: 'compute'; ns: number }
  | { kind: 'yield' }
  | { kind: 'sleep'; ns: number }
  | { kind: 'critical'; lock: number; ns: number; spin: boolean }
  | { kind: 'spawnJoin'; ns: number }
  | { kind: 'spawnDetach'; ns: number }
  | { kind: 'semaphore'; units: number }
  | { kind: 'channel'; items: number; capacity: number }
  | { kind: 'cond'; ns: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('compute' as const), ns: fc.integer({ min: 0, max: 5_000 }) }),
  fc.record({ kind: fc.constant('yield' as const) }),
  fc.record({ kind: fc.constant('sleep' as const), ns: fc.integer({ min: 0, max: 8_000 }) }),
  fc.record({ kind: fc.constant('critical' as const), lock: fc.integer({ min: 0, max: 2 }), ns: fc.integer({ min: 0, max: 3_000 }), spin: fc.boolean() }),
  fc.record({ kind: fc.constant('spawnJoin' as const), ns: fc.integer({ min: 0, max: 3_000 }) }),
  fc.record({ kind: fc.constant('spawnDetach' as const), ns: fc.integer({ min: 0, max: 3_000 }) }),
  fc.record({ kind: fc.constant('semaphore' as const), units: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('channel' as const), items: fc.integer({ min: 1, max: 6 }), capacity: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('cond' as const), ns: fc.integer({ min: 0, max: 3_000 }) }),
);

const programArb = fc.array(fc.array(op, { maxLength: 8 }), { minLength: 1, maxLength: 6 });
const machineArb = fc.record({
  vcpus: fc.integer({ min: 1, max: 4 }),
  quantum: fc.integer({ min: 1_000, max: 50_000 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  policy: fc.constantFrom('fifo' as const, 'lifo-steal' as const),
  cs: fc.constantFrom('prevent' as const, 'recover' as const),
  daemons: fc.option(fc.record({ period: fc.integer({ min: 50_000, max: 400_000 }), burst: fc.integer({ min: 1_000, max: 40_000 }) }), { nil: undefined }),
});

interface Observed {
  inside: number[];
  maxInside: number;
  spawned: number;
  finished: number;
  joinedValues: number[];
  /** Units, messages and signals sent and received through the hand-off ops. */
  sent: number;
  received: number;
}

function observed(): Observed {
  return { inside: [], maxInside: 0, spawned: 0, finished: 0, joinedValues: [], sent: 0, received: 0 };
}

function build(program: Op[][], obs: Observed): () => Code<number[]> {
  const mutexes = [new Mutex('m0'), new Mutex('m1'), new Mutex('m2')];
  const spins = [new SpinLock('s0'), new SpinLock('s1'), new SpinLock('s2')];
  function* leaf(id: number, ns: number): Code<number> {
    yield* compute(ns);
    obs.finished++;
    return id;
  }
  function* body(i: number): Code<number> {
    for (const o of program[i] ?? []) {
      switch (o.kind) {
        case 'compute':
          yield* compute(o.ns);
          break;
        case 'yield':
          yield* yieldNow();
          break;
        case 'sleep':
          yield* sleep(o.ns);
          break;
        case 'critical': {
          const l = o.spin ? spins[o.lock]! : mutexes[o.lock]!;
          yield* l.lock();
          const key = o.spin ? 3 + o.lock : o.lock; // s0-s2 and m0-m2 are six different locks
          const now = (obs.inside[key] = (obs.inside[key] ?? 0) + 1);
          obs.maxInside = Math.max(obs.maxInside, now);
          yield* compute(o.ns);
          obs.inside[key] = (obs.inside[key] ?? 1) - 1;
          yield* l.unlock();
          break;
        }
        case 'spawnJoin': {
          obs.spawned++;
          const id = 1000 + obs.spawned;
          const t = yield* spawn(leaf, id, o.ns);
          obs.joinedValues.push(yield* join(t));
          break;
        }
        case 'spawnDetach': {
          obs.spawned++;
          const t = yield* spawn(leaf, 2000 + obs.spawned, o.ns);
          yield* detach(t);
          break;
        }
        case 'semaphore': {
          // a child posts `units` units; this thread takes them one by one
          const s = new Semaphore(0);
          obs.spawned++;
          const t = yield* spawn(function* poster(): Code<number> {
            for (let u = 0; u < o.units; u++) { obs.sent++; yield* s.post(); }
            obs.finished++;
            return 0;
          });
          for (let u = 0; u < o.units; u++) { yield* s.wait(); obs.received++; }
          yield* join(t);
          break;
        }
        case 'channel': {
          const ch = new Channel<number>(o.capacity);
          obs.spawned++;
          const t = yield* spawn(function* producer(): Code<number> {
            for (let m = 0; m < o.items; m++) { obs.sent++; yield* ch.send(m); }
            obs.finished++;
            return 0;
          });
          for (let m = 0; m < o.items; m++) {
            const got = yield* ch.recv();
            if (got !== m) throw new Error(`channel: expected message ${m}, got ${String(got)}`);
            obs.received++;
          }
          yield* join(t);
          break;
        }
        case 'cond': {
          // a child sets a flag under the mutex and signals; this thread waits for it
          const mu = new Mutex();
          const cv = new Cond();
          let flag = false;
          obs.spawned++;
          const t = yield* spawn(function* signaller(): Code<number> {
            yield* compute(o.ns);
            yield* mu.lock();
            flag = true;
            obs.sent++;
            yield* cv.signal();
            yield* mu.unlock();
            obs.finished++;
            return 0;
          });
          yield* mu.lock();
          while (!flag) yield* cv.wait(mu);
          obs.received++;
          yield* mu.unlock();
          yield* join(t);
          break;
        }
      }
    }
    obs.finished++;
    return i;
  }
  return function* main(): Code<number[]> {
    const ts: Thread<number>[] = [];
    for (let i = 0; i < program.length; i++) {
      obs.spawned++;
      ts.push(yield* spawn(body, i));
    }
    const out: number[] = [];
    for (const t of ts) out.push(yield* join(t));
    return out;
  };
}

describe('runtime properties over random programs', () => {
  test.prop([programArb, machineArb], { numRuns: 300 })('exclusion, no lost wake-up, every thread finishes', (program, mc) => {
    const obs = observed();
    const m = new Machine({ cpus: 4, seed: mc.seed, costs: { quantum: mc.quantum }, ...(mc.daemons === undefined ? {} : { daemons: mc.daemons }) });
    m.process({ vcpus: mc.vcpus, policy: mc.policy, criticalSections: mc.cs }, build(program, obs));
    const r = m.run();
    expect(m.internals().processes[0]?.uls.policy.size()).toBe(0); // nothing left queued
    expect(obs.received).toBe(obs.sent);
    expect(r.outcome).toEqual({ kind: 'completed' });
    expect(r.violationCount).toBe(0);
    expect(obs.maxInside).toBeLessThanOrEqual(1);
    const p = r.processes[0]!;
    expect(p.mainResult).toEqual(program.map((_, i) => i));
    // every thread (main + spawned) exited; spawned ones all counted their finish
    expect(p.threads.length).toBe(obs.spawned + 1);
    expect(p.threads.every((t) => t.state === 'exited')).toBe(true);
    expect(obs.finished).toBe(obs.spawned);
    for (const v of obs.joinedValues) expect(v).toBeGreaterThan(1000);
    expect(p.end.kind).toBe('exited');
  });

  test.prop([programArb, machineArb], { numRuns: 25 })('a program run twice with the same seed is identical', (program, mc) => {
    const runOnce = () => {
      const obs = observed();
      const m = new Machine({ cpus: 4, seed: mc.seed, costs: { quantum: mc.quantum } });
      m.process({ vcpus: mc.vcpus, policy: mc.policy }, build(program, obs));
      return m.run();
    };
    const a = runOnce();
    const b = runOnce();
    expect(a.traceHash).toBe(b.traceHash);
    expect(a.endTime).toBe(b.endTime);
  });
});
