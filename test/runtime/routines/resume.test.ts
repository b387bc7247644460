/**
 * The canonical race window of the dispatch protocol: the resume sequence clears the
 * resume bit before it jumps to the thread. With the kernel's PC-range check off
 * (unsafeNoCritCheck), an interrupt landed on the instruction right after the clear
 * saves the half-finished resume as if it were the thread; the run upcall stores it in
 * the thread's TCB, the thread's real continuation is lost, and when next resumed the
 * thread jumps to itself forever with interrupts on. The same landing point is
 * harmless with the check on.
 */
import { describe, expect, it } from 'vitest';
import { compute, join, Machine, spawn, yieldNow } from '../../../src/index';
import type { Code, Report } from '../../../src/index';

function* worker(n: number): Code<number> {
  let s = 0;
  for (let i = 0; i < 5; i++) {
    yield* compute(100);
    s += n;
    yield* yieldNow();
  }
  return s;
}

function* main(): Code<number[]> {
  const a = yield* spawn(worker, 1);
  const b = yield* spawn(worker, 2);
  return [yield* join(a), yield* join(b)];
}

function runWith(unsafe: boolean, at: string, onViolation: 'stop' | 'record' = 'record'): Report {
  const m = new Machine({
    cpus: 1, seed: 1, unsafeNoCritCheck: unsafe, onViolation, inject: [{ at, nth: 3 }],
    livelockSteps: 100_000, costs: { quantum: 50_000 },
  });
  m.process({}, main);
  return m.run();
}

describe('resume critical range (seed 1)', () => {
  it('without the PC-range check, an interrupt at resume+1 loses the thread and it spins on itself', () => {
    const r = runWith(true, 'resume+1');
    // corruption shows as a lost thread and a livelock, not as a wrong sum
    expect(r.outcome.kind).toBe('livelock');
    if (r.outcome.kind !== 'livelock') return;
    expect(r.outcome.lost).toEqual(['T3(worker)']);
    expect(r.outcome.spinning.length).toBe(1);
    expect(r.outcome.spinning[0]?.pc).toMatch(/^resume\+[123]$/);
    const worker2 = r.processes[0]?.threads.find((t) => t.id === 3);
    expect(worker2?.state).not.toBe('exited');
    expect(r.processes[0]?.mainResult).toBeUndefined();
  });

  it('the detection layers report it at the offending interrupt', () => {
    const r = runWith(true, 'resume+1');
    const [first, second, third] = r.violations;
    expect(first?.layer).toBe(1);
    expect(first?.pc).toBe('resume+1');
    expect(first?.what).toContain('enabled-area save of dispatcher code at resume+1');
    expect(second?.layer).toBe(2);
    expect(second?.what).toContain('TCB of T3(worker) receives a foreign context');
    expect(third?.layer).toBe(2);
    expect(third?.what).toMatch(/unresumed continuation .* the thread is lost/);
    // the first report is at the injected interrupt, before the run upcall's store
    expect(first!.time).toBeLessThan(second!.time);
  });

  it("by default (onViolation 'stop') the run stops at the first violation", () => {
    const r = runWith(true, 'resume+1', 'stop');
    expect(r.outcome.kind).toBe('violation');
    if (r.outcome.kind === 'violation') expect(r.outcome.violation.pc).toBe('resume+1');
    expect(r.ok).toBe(false);
  });

  it('with the check on, the same landing point is harmless', () => {
    const r = runWith(false, 'resume+1', 'stop');
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toEqual([5, 10]);
    expect(r.violationCount).toBe(0);
    expect(r.counts.preemptions).toBeGreaterThan(0); // the injected interrupt did land
  });

  it('an interrupt after the context load (resume+3) is harmless even without the check, as on hardware', () => {
    const r = runWith(true, 'resume+3');
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toEqual([5, 10]);
    // still a protocol violation (dispatcher code in the enabled area), but nothing is lost
    expect(r.violations.some((v) => v.what.includes('lost'))).toBe(false);
    expect(r.violations[0]?.layer).toBe(1);
  });

  it('every landing point inside the resume range is harmless with the check on', () => {
    for (const at of ['resume', 'resume+1', 'resume+2', 'resume+3']) {
      for (let nth = 1; nth <= 6; nth++) {
        const m = new Machine({ cpus: 1, seed: 1, inject: [{ at, nth }], costs: { quantum: 50_000 } });
        m.process({}, main);
        const r = m.run();
        expect(r.outcome.kind, `${at} #${nth}`).toBe('completed');
        expect(r.processes[0]?.mainResult).toEqual([5, 10]);
      }
    }
  });
});
