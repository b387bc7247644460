/**
 * Lane derivation over hand-built traces: CPU segments (what ran), thread states, instants
 * and flows, plus structural invariants on a random trace and a size check.
 */
import { describe, expect, it } from 'vitest';
import { deriveLanes, whatOf } from '../../../src/trace/lanes';
import type { CpuSegment, ThreadSegment } from '../../../src/trace/lanes';
import type { TraceRecord } from '../../../src/trace/schema';
import { sample, trace } from './fixture';
import type { Rec } from './fixture';

const brief = (s: readonly CpuSegment[]): string[] => s.map((g) => `${g.start}-${g.end} ${g.what} ${g.label}`);
const states = (s: readonly ThreadSegment[]): string[] => s.map((g) => `${g.start}-${g.end} ${g.state}${g.cpu >= 0 ? `@${g.cpu}` : ''}`);

describe('deriveLanes: CPU segments', () => {
  it('splits a CPU at each change of (proc, vcpu, thread, what) and ends the last at endTime', () => {
    const l = deriveLanes(sample());
    expect(l.start).toBe(0);
    expect(l.end).toBe(120);
    expect(l.cpus.map((c) => c.cpu)).toEqual([0, 1]);
    expect(brief(l.cpus[0]!.segments)).toEqual([
      '0-10 kernel kernel',
      '10-20 dispatcher dispatcher',
      '20-50 thread T1(main)',
      '50-60 dispatcher dispatcher (T1(main))',
      '60-80 thread T2(worker)',
      '80-85 dispatcher dispatcher (T2(worker))',
      '85-100 thread T2(worker)',
      '100-110 dispatcher dispatcher (T2(worker))',
      '110-120 idle idle',
    ]);
    expect(brief(l.cpus[1]!.segments)).toEqual(['0-70 idle idle', '70-90 dispatcher dispatcher', '90-120 thread T1(main)']);
    const s = l.cpus[1]!.segments[2]!;
    expect([s.proc, s.vcpu, s.thread]).toEqual([0, 1, 1]);
  });

  it('classifies records: idle by kind or pc, kernel without a process, thread at pc user or after a switch, else dispatcher', () => {
    const base: TraceRecord = { seq: 0, time: 0, cpu: 0, kind: 'syscall', proc: 0, process: 'app', vcpu: 0, thread: 1, threadLabel: 'T1', pc: 'user', a: 0, b: 0 };
    expect(whatOf(base)).toBe('thread');
    expect(whatOf({ ...base, pc: 'resume+1' })).toBe('dispatcher');
    expect(whatOf({ ...base, kind: 'switch', pc: 'resume+3' })).toBe('thread'); // the resumed thread runs next
    expect(whatOf({ ...base, proc: -1, pc: 'kernel' })).toBe('kernel');
    expect(whatOf({ ...base, kind: 'idle' })).toBe('idle');
    expect(whatOf({ ...base, proc: -1, pc: 'idle' })).toBe('idle');
  });

  it('merges records that do not change the key, drops zero-length segments, ignores machine-wide records', () => {
    const t = trace([
      { time: 0, cpu: 0, kind: 'switch', proc: 0, vcpu: 0, thread: 1, pc: 'user' },
      { time: 5, cpu: 0, kind: 'syscall', proc: 0, vcpu: 0, thread: 1, pc: 'user' },
      { time: 9, cpu: -1, kind: 'disk' },
      { time: 10, cpu: 0, kind: 'trap', proc: 0, vcpu: 0, thread: 1, pc: 'trap+0' },
      { time: 10, cpu: 0, kind: 'switch', proc: 0, vcpu: 0, thread: 1, pc: 'user' },
      { time: 30, cpu: 0, kind: 'idle', pc: 'idle' },
    ], { cpus: 1, endTime: 40 });
    const l = deriveLanes(t);
    expect(brief(l.cpus[0]!.segments)).toEqual(['0-30 thread T1', '30-40 idle idle']);
    expect(states(l.threads[0]!.segments)).toEqual(['0-30 running@0', '30-40 ready']);
  });

  it('starts at the first kept record when records were dropped, and gives idle CPUs an empty lane', () => {
    const t = trace([{ time: 500, cpu: 0, kind: 'idle', pc: 'idle' }], { cpus: 3, endTime: 600, dropped: 42 });
    const l = deriveLanes(t);
    expect([l.start, l.end, l.dropped]).toEqual([500, 600, 42]);
    expect(l.cpus.map((c) => c.segments.length)).toEqual([1, 0, 0]);
  });
});

describe('deriveLanes: thread states', () => {
  it('running on a CPU, blocked after ublock until wake, ready after wake/spawn until it runs, ended at exit', () => {
    const l = deriveLanes(sample());
    expect(l.threads.map((th) => [th.key, th.label, th.process])).toEqual([['0.1', 'T1(main)', 'app'], ['0.2', 'T2(worker)', 'app']]);
    expect(states(l.threads[0]!.segments)).toEqual(['20-50 running@0', '50-80 blocked', '80-90 ready', '90-120 running@1']);
    expect(states(l.threads[1]!.segments)).toEqual(['30-60 ready', '60-80 running@0', '80-85 ready', '85-100 running@0']);
  });

  it('a kernel block (kind block) blocks the thread whose code ran; a block while running takes effect when it stops', () => {
    const t = trace([
      { time: 0, cpu: 0, kind: 'switch', proc: 0, vcpu: 0, thread: 3, pc: 'user' },
      { time: 10, cpu: 0, kind: 'block', proc: 0, vcpu: 0, thread: 3, pc: 'user', a: 7, b: 9 },
      { time: 12, cpu: 0, kind: 'act-blocked', proc: 0, vcpu: 0, thread: -1, pc: 'upcall' },
      { time: 40, cpu: 1, kind: 'wake', proc: 0, vcpu: 1, thread: -1, pc: 'upcall', a: 3, b: 1 },
      { time: 45, cpu: 1, kind: 'switch', proc: 0, vcpu: 1, thread: 3, pc: 'user' },
      { time: 50, cpu: 1, kind: 'exit', proc: 0, vcpu: 1, thread: 3, pc: 'user', a: 3 },
    ], { cpus: 2, endTime: 60 });
    const l = deriveLanes(t);
    expect(states(l.threads[0]!.segments)).toEqual(['0-12 running@0', '12-40 blocked', '40-45 ready', '45-50 running@1']);
    expect(l.flows.map((f) => `${f.kind} ${f.from.time}@${f.from.cpu} -> ${f.to.time}@${f.to.cpu}`)).toEqual([
      'block-wake 10@0 -> 40@1',
      'wake-run 40@1 -> 45@1',
    ]);
  });

  it('orders thread lanes by process, then thread id; labels default to T<id>', () => {
    const t = trace([
      { time: 0, cpu: 0, kind: 'spawn', proc: 1, vcpu: 0, thread: -1, pc: 'resume', a: 4 },
      { time: 0, cpu: 1, kind: 'switch', proc: 0, vcpu: 0, thread: 9, pc: 'user', threadLabel: 'T9(nine)' },
      { time: 1, cpu: 1, kind: 'spawn', proc: 0, vcpu: 0, thread: 9, pc: 'user', a: 2 },
    ], { cpus: 2, endTime: 10, processes: ['a', 'b'] });
    const l = deriveLanes(t);
    expect(l.threads.map((th) => `${th.key} ${th.label} ${th.process}`)).toEqual(['0.2 T2 a', '0.9 T9(nine) a', '1.4 T4 b']);
  });
});

describe('deriveLanes: instants and flows', () => {
  it('collects upcalls, interrupts (and injections) and faults with time, cpu and label', () => {
    const t = trace([
      { time: 1, cpu: 0, kind: 'upcall-run', proc: 0, vcpu: 0, pc: 'upcall', notices: ['blocked T2', 'preempted'] },
      { time: 2, cpu: 1, kind: 'irq-disabled', proc: 0, vcpu: 1, pc: 'resume+2', save: 'disabled' },
      { time: 3, cpu: 1, kind: 'inject', a: 3 },
      { time: 4, cpu: 0, kind: 'pagefault', proc: 0, vcpu: 0, thread: 1, pc: 'user', b: 1 },
      { time: 5, cpu: 0, kind: 'violation', proc: 0, vcpu: 0, pc: 'resume+1', name: 'crit' },
      { time: 6, cpu: 0, kind: 'process-fault', proc: 0, vcpu: 0, pc: 'user' },
      { time: 7, cpu: 0, kind: 'syscall', proc: 0, vcpu: 0, pc: 'user', name: 'read' },
    ], { cpus: 2, endTime: 10 });
    expect(deriveLanes(t).instants.map((i) => `${i.time}@${i.cpu} ${i.type}: ${i.label}`)).toEqual([
      '1@0 upcall: upcall-run: blocked T2, preempted',
      '2@1 interrupt: irq-disabled (save disabled)',
      '3@1 interrupt: inject revocation',
      '4@0 fault: pagefault (disabled)',
      '5@0 fault: violation crit',
      '6@0 fault: process-fault',
    ]);
  });

  it('pairs block -> wake and wake -> the next run of the woken thread', () => {
    const l = deriveLanes(sample());
    expect(l.flows.map((f) => `${f.kind} ${f.thread} ${f.from.time}@${f.from.cpu}#${f.from.seq} -> ${f.to.time}@${f.to.cpu}#${f.to.seq}`)).toEqual([
      'wake-run 0.2 30@0#5 -> 60@0#7',
      'block-wake 0.1 50@0#6 -> 80@0#9',
      'wake-run 0.1 80@0#9 -> 90@1#11',
    ]);
  });
});

/** A seeded random trace: CPUs switching between threads, dispatchers, idle and the kernel, with notes. */
function randomTrace(n: number, seed: number): ReturnType<typeof trace> {
  let s = seed >>> 0;
  const rnd = (k: number): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s >>> 12) % k;
  };
  const recs: Rec[] = [];
  let time = 0;
  for (let i = 0; i < n; i++) {
    time += rnd(3);
    const cpu = rnd(4);
    const thread = 1 + rnd(12);
    const pick = rnd(10);
    const where = pick < 5 ? { proc: 0, vcpu: cpu, thread, pc: 'user' } : pick < 7 ? { proc: 0, vcpu: cpu, thread, pc: 'resume+1' } : pick < 8 ? { pc: 'idle' } : {};
    const note = rnd(8);
    const kind = note === 0 ? 'wake' : note === 1 ? 'ublock' : note === 2 ? 'spawn' : note === 3 ? 'irq-enabled' : 'switch';
    recs.push({ time, cpu, kind, ...where, a: 1 + rnd(12) });
  }
  return trace(recs, { cpus: 4, endTime: time + 10 });
}

describe('deriveLanes: invariants', () => {
  it('segments are sorted, disjoint, within the run; a thread runs only inside its CPU thread segments; deterministic', () => {
    const t = randomTrace(3_000, 7);
    const l = deriveLanes(t);
    expect(deriveLanes(t)).toEqual(l);
    const check = (segs: readonly { start: number; end: number }[]): void => {
      let last = l.start;
      for (const g of segs) {
        expect(g.start).toBeGreaterThanOrEqual(last);
        expect(g.end).toBeGreaterThan(g.start);
        expect(g.end).toBeLessThanOrEqual(l.end);
        last = g.end;
      }
    };
    for (const c of l.cpus) check(c.segments);
    for (const th of l.threads) {
      check(th.segments);
      for (const g of th.segments.filter((x) => x.state === 'running')) {
        const lane = l.cpus[g.cpu]!.segments.filter((c) => c.what === 'thread' && `${c.proc}.${c.thread}` === th.key);
        expect(lane.some((c) => c.start <= g.start && g.end <= c.end)).toBe(true);
      }
    }
    expect(l.flows.length).toBeGreaterThan(0);
    for (const f of l.flows) expect(f.to.seq).toBeGreaterThan(f.from.seq);
  });

  it('derives 200k records in one linear pass (under 1.5 s even on a slow machine)', () => {
    const t = randomTrace(200_000, 3);
    const t0 = performance.now();
    const l = deriveLanes(t);
    const ms = performance.now() - t0;
    expect(l.cpus.reduce((n, c) => n + c.segments.length, 0)).toBeGreaterThan(10_000);
    expect(ms).toBeLessThan(1_500);
  });
});
