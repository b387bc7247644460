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
