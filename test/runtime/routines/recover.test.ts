/**
 * Critical-section recovery versus prevention (M:N with activations). Under 'recover'
 * the user level's critical sections (its spinlocks, including the run-queue lock taken
 * by spawn, join and wake) run enabled; an upcall that catches a thread inside one
 * continues it before taking any lock. Under 'prevent' they run disabled. 'unsafeNone'
 * (neither) shows what both prevent: an upcall spinning on the run-queue lock held by
 * the very thread it preempted.
 */
import { describe, expect, it } from 'vitest';
import { compute, join, Machine, spawn, SpinLock, touch } from '../../../src/index';
import type { Code, Report } from '../../../src/index';

function* spawner(): Code<number> {
  const ts = [];
  for (let i = 0; i < 6; i++) ts.push(yield* spawn(function* kid(): Code<number> { yield* compute(500); return i; }));
  let s = 0;
  for (const t of ts) s += yield* join(t);
  return s;
}

function landAt(cs: 'prevent' | 'recover' | 'unsafeNone', nth: number): Report {
  const m = new Machine({ cpus: 1, seed: 1, inject: [{ at: 'user', nth }], livelockSteps: 20_000, maxSteps: 200_000 });
  m.process({ criticalSections: cs }, spawner);
  return m.run();
}

describe('recovery of the run-queue lock (seed 1, an interrupt landed at every user instruction)', () => {
  const N = 150;

  it("recover: every landing point completes, and some were recovered mid-critical-section", () => {
    let recovered = 0;
    for (let nth = 1; nth <= N; nth++) {
      const r = landAt('recover', nth);
      expect(r.outcome, `nth ${nth}`).toEqual({ kind: 'completed' });
      expect(r.processes[0]?.mainResult).toBe(15);
      expect(r.violationCount).toBe(0);
      recovered += r.processes[0]?.recoveries ?? 0;
    }
    expect(recovered).toBeGreaterThan(5);
  });

  it('prevent: every landing point completes with no recovery needed', () => {
    for (let nth = 1; nth <= N; nth++) {
      const r = landAt('prevent', nth);
      expect(r.outcome, `nth ${nth}`).toEqual({ kind: 'completed' });
      expect(r.processes[0]?.recoveries).toBe(0);
    }
  });

  it('neither: an interrupt inside the critical section leaves the upcall spinning on the lock (livelock)', () => {
    const stuck: number[] = [];
    for (let nth = 1; nth <= N; nth++) {
      const r = landAt('unsafeNone', nth);
      if (r.outcome.kind === 'livelock') {
        stuck.push(nth);
        expect(r.outcome.spinning[0]?.pc).toMatch(/^run\+1$/); // the upcall's lock acquisition
      } else expect(r.outcome.kind).toBe('completed');
    }
    expect(stuck.length).toBeGreaterThan(5);
    // exactly those landing points are the ones recovery continued
    for (const nth of stuck.slice(0, 5)) expect(landAt('recover', nth).processes[0]?.recoveries).toBeGreaterThan(0);
  });
});

describe('recovery of a thread unblocked inside a critical section (seed 2)', () => {
  it('a thread back from a page-in taken while holding a SpinLock runs ahead of the spinners', () => {
    function* main(): Code<number> {
      const l = new SpinLock('s');
      const ts = [];
      for (let i = 0; i < 3; i++) {
        ts.push(yield* spawn(function* w(): Code<void> {
          for (let j = 0; j < 2; j++) {
            yield* l.lock();
            yield* touch(i * 10 + j); // a disk-backed page fault inside the critical section
            yield* compute(1_000);
            yield* l.unlock();
          }
        }));
      }
      for (const t of ts) yield* join(t);
      return l.spins;
    }
    const run = (cs: 'recover' | 'unsafeNone'): Report => {
      const m = new Machine({ cpus: 1, seed: 2, livelockSteps: 2_000_000, costs: { quantum: 20_000 } });
      m.process({ criticalSections: cs, memory: { residentPages: 64 } }, main);
      return m.run();
    };
    const rec = run('recover');
    const none = run('unsafeNone');
    expect(rec.outcome.kind).toBe('completed');
    expect(rec.processes[0]?.recoveries).toBeGreaterThan(0);
    expect(none.outcome.kind).toBe('completed');
    // while the holder waits for the disk, the others spin in either mode; what recovery
    // changes is that the returning holder runs at once instead of behind the spinners
    expect(rec.endTime).toBeLessThan(none.endTime);
    expect(none.processes[0]?.recoveries).toBe(0);
  });

  it('criticalSections is chosen only by M:N with activations', () => {
    const m = new Machine({ cpus: 2 });
    expect(() => m.process({ mapping: '1:1', criticalSections: 'recover' }, spawner)).toThrow(/criticalSections: only M:N with activations/);
    expect(() => m.process({ criticalSections: 'maybe' as never }, spawner)).toThrow(/criticalSections: must be/);
  });
});

describe('regression: recover with kernel daemons on 2 vCPUs queued a thread twice', () => {
  // A daemon preempted vCPU 0 inside a SpinLock section and handed its thread to vCPU 1
  // as `preempted`; the kick that carried it also queued vCPU 1's own `preempted`. The
  // recovery pass took the own notice for a foreign one, set the thread aside as well
  // as recovering it, and the run queue got it twice (RuntimePanic).
  it('two SpinLock users under four daemon settings and five seeds all complete, with recoveries', () => {
    let recovered = 0;
    for (const daemons of [{ period: 200_000, burst: 50_000 }, { period: 100_000, burst: 10_000 }, { period: 500_000, burst: 100_000 }, { period: 1_000_000, burst: 20_000 }]) {
      for (let seed = 1; seed <= 5; seed++) {
        const m = new Machine({ cpus: 2, seed, daemons });
        m.process({ vcpus: 2, criticalSections: 'recover' }, function* (): Code<number> {
          const l = new SpinLock('s');
          const ts = [];
          for (let i = 0; i < 2; i++) {
            ts.push(yield* spawn(function* w(): Code<void> {
              for (let j = 0; j < 60; j++) {
                yield* l.lock();
                yield* compute(5_000);
                yield* l.unlock();
                yield* compute(5_000);
              }
            }));
          }
          for (const t of ts) yield* join(t);
          return 1;
        });
        const r = m.run();
        expect(r.outcome, `${JSON.stringify(daemons)} seed ${seed}`).toEqual({ kind: 'completed' });
        expect(r.violationCount).toBe(0);
        recovered += r.processes[0]?.recoveries ?? 0;
      }
    }
    expect(recovered).toBeGreaterThan(10);
  });
});

