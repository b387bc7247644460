/**
 * The terminal timeline over hand-built traces: axis, CPU lines (majority per column),
 * events line, thread lines, legend, windows, and colour only on request.
 */
import { describe, expect, it } from 'vitest';
import { formatTime, textTimeline, threadCode } from '../../../src/trace/text';
import { sample, trace } from './fixture';

const lines = (s: string): string[] => s.split('\n');
/** The line whose name column starts with `name`. */
function line(out: string, name: string): string {
  const l = lines(out).find((x) => x.startsWith(name));
  if (l === undefined) throw new Error(`no line ${name} in\n${out}`);
  return l;
}
/** The `width` cells of a lane line (they sit just before its closing `|`). */
const body = (l: string, width: number): string => l.slice(l.length - 1 - width, l.length - 1);

describe('textTimeline', () => {
  // The sample spans 0-120 ns: at width 60 a column is 2 ns.
  const out = textTimeline(sample(), { width: 60 });

  it('draws each CPU: thread codes, d dispatcher, k kernel, . idle', () => {
    expect(body(line(out, 'cpu0'), 60)).toBe('kkkkk' + 'ddddd' + 'A'.repeat(15) + 'ddddd' + 'B'.repeat(10) + 'ddd' + 'B'.repeat(7) + 'ddddd' + '.....');
    expect(body(line(out, 'cpu1'), 60)).toBe('.'.repeat(35) + 'd'.repeat(10) + 'A'.repeat(15));
  });

  it('draws each thread: # running, - ready, _ blocked, space not alive', () => {
    expect(body(line(out, 'A T1(main)'), 60)).toBe(' '.repeat(10) + '#'.repeat(15) + '_'.repeat(15) + '-'.repeat(5) + '#'.repeat(15));
    expect(body(line(out, 'B T2(worker)'), 60)).toBe(' '.repeat(15) + '-'.repeat(15) + '#'.repeat(10) + '---' + '#'.repeat(7) + ' '.repeat(10));
  });

  it('marks instants: ^ upcall, ! interrupt, x fault', () => {
    const ev = body(line(out, 'events'), 60);
    expect([ev[5], ev[42], ev[47]]).toEqual(['^', '!', 'x']);
    expect(ev.replace(/[ ]/g, '')).toBe('^!x');
  });

  it('has a header, a time axis and a legend mapping codes to threads and processes', () => {
    const ls = lines(out);
    expect(ls[0]).toBe('trace 0ns .. 120ns, 60 cols of 2ns, 2 CPUs, 2 threads');
    expect(ls[1]).toMatch(/^time\s+0ns\s+20ns\s+40ns\s+60ns\s+80ns\s+100ns$/);
    const ruler = ls[2] as string;
    expect(body(ruler, 60)).toBe('|---------'.repeat(6));
    // The axis numbers start right over their ruler ticks.
    expect(ls[1]!.indexOf('20ns')).toBe(ruler.length - 1 - 60 + 10);
    expect(ls).toContain('  A = T1(main) [p0 app]');
    expect(ls).toContain('  B = T2(worker) [p0 app]');
    expect(out).toContain('legend: . idle  d dispatcher  k kernel  # running  - ready  _ blocked');
    for (const l of ls.filter((x) => /^(cpu|events|[AB] )/.test(x))) expect(l.length).toBe(ruler.length);
  });

  it('uses 100 columns by default and no ANSI codes unless asked', () => {
    const d = textTimeline(sample());
    expect(body(line(d, 'cpu0'), 100)).toHaveLength(100);
    expect(line(d, 'cpu0').endsWith('|')).toBe(true);
    expect(d).not.toContain('\u001b');
    const c = textTimeline(sample(), { width: 60, color: true });
    expect(c).toContain('\u001b[');
    // With the escapes stripped it is the plain drawing.
    expect(c.replace(/\u001b\[[0-9;]*m/g, '')).toBe(out);
  });

  it('shows a window [from, to) only', () => {
    const w = textTimeline(sample(), { width: 30, from: 20, to: 50 });
    expect(body(line(w, 'cpu0'), 30)).toBe('A'.repeat(30));
    expect(body(line(w, 'cpu1'), 30)).toBe('.'.repeat(30));
    expect(body(line(w, 'A T1(main)'), 30)).toBe('#'.repeat(30));
    expect(lines(w)[0]).toMatch(/^trace 20ns \.\. 50ns, 30 cols of 1ns/);
  });

  it('a column shows what ran most of its time slice', () => {
    // One column of 10 ns: T1 4 ns, dispatcher 2 ns, T1 again 1 ns (5 ns of T1 in all), idle 3 ns.
    const t = trace([
      { time: 0, cpu: 0, kind: 'switch', proc: 0, vcpu: 0, thread: 1, pc: 'user' },
      { time: 4, cpu: 0, kind: 'syscall', proc: 0, vcpu: 0, thread: 1, pc: 'resume+1' },
      { time: 6, cpu: 0, kind: 'switch', proc: 0, vcpu: 0, thread: 1, pc: 'user' },
      { time: 7, cpu: 0, kind: 'idle', pc: 'idle' },
      { time: 10, cpu: 0, kind: 'switch', proc: -1, pc: 'kernel' },
    ], { cpus: 1, endTime: 20 });
    expect(body(line(textTimeline(t, { width: 2 }), 'cpu0'), 2)).toBe('Ak');
  });

  it('keeps control characters of labels out of the terminal', () => {
    const t = sample({ 1: 'T1(\u001b[2Jevil)', 2: 'T2' });
    const s = textTimeline(t, { width: 20 });
    expect(s).not.toContain('\u001b');
    expect(s).toContain('  A = T1(?[2Jevil) [p0 app]');
  });

  it('formats times and assigns thread codes that never clash with . d k', () => {
    expect([formatTime(0), formatTime(1500), formatTime(2_500_000), formatTime(3e9)]).toEqual(['0ns', '1.5us', '2.5ms', '3s']);
    const codes = Array.from({ length: 60 }, (_, i) => threadCode(i));
    expect(new Set(codes).size).toBe(60);
    for (const c of ['.', 'd', 'k', ' ', '#', '-', '_']) expect(codes).not.toContain(c);
    expect(threadCode(60)).toBe('*');
  });

  it('says when the front of the trace was dropped, and draws an empty trace', () => {
    const t = trace([{ time: 50, cpu: 0, kind: 'idle', pc: 'idle' }], { cpus: 1, endTime: 100, dropped: 7 });
    const s = textTimeline(t, { width: 10 });
    expect(lines(s)[0]).toContain('7 earlier records dropped');
    expect(body(line(s, 'cpu0'), 10)).toBe('.'.repeat(10));
    const e = textTimeline({ records: [], dropped: 0, cpus: 2, processes: [], endTime: 0 }, { width: 8 });
    expect(body(line(e, 'cpu1'), 8)).toBe(' '.repeat(8));
  });
});
