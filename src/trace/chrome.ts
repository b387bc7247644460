/**
 * Export a recorded run (RunTrace) as Chrome Trace Event JSON, which Perfetto UI
 * (ui.perfetto.dev, "Open trace file") and chrome://tracing open:
 *  - process 1 "CPUs": a track per physical CPU, a complete event ("X") per stretch of
 *    what ran there (`p0/v1 T3(worker)`, `dispatcher`, `idle`, `kernel`);
 *  - a process per simulated process: a track per thread with its states (running,
 *    ready, blocked) as complete events;
 *  - instants ("i") for upcalls, interrupts and faults on the CPU tracks;
 *  - flows ("s"/"f") from each block to its wake, and from a wake to the woken thread
 *    running again.
 * Times are simulated: the exporter writes microseconds (`ts`, `dur`) from nanoseconds.
 *
 * Invariants:
 *  1. Pure and deterministic: the same trace gives the same JSON.
 *  2. Every event has ph, pid, tid, ts and name; "X" events have dur >= 0; flow ids pair
 *     one "s" with one "f"; the metadata ("M") comes first, and each track's "X" events
 *     are in time order without overlap.
 */
import { deriveLanes } from './lanes';
import type { RunTrace } from './schema';

export interface ChromeEvent {
  readonly name: string;
  readonly ph: 'X' | 'i' | 's' | 'f' | 'M';
  readonly pid: number;
  readonly tid: number;
  readonly ts: number;
  readonly dur?: number;
  readonly s?: 'g' | 'p' | 't';
  readonly id?: number;
  readonly bp?: 'e';
  readonly cat?: string;
  readonly args?: Readonly<Record<string, string | number>>;
}

export interface ChromeTrace {
  readonly traceEvents: readonly ChromeEvent[];
  readonly displayTimeUnit: 'ns';
  readonly otherData: Readonly<Record<string, string | number>>;
}

const CPUS_PID = 1;
const us = (ns: number): number => ns / 1_000;

/** The Chrome trace of `t` (invariants 1 and 2). */
export function toChromeTrace(t: RunTrace): ChromeTrace {
  const l = deriveLanes(t);
  const ev: ChromeEvent[] = [];
  const metas: ChromeEvent[] = [];
  const meta = (pid: number, tid: number, kind: 'process_name' | 'thread_name', name: string): void => {
    metas.push({ name: kind, ph: 'M', pid, tid, ts: 0, args: { name } });
  };
  meta(CPUS_PID, 0, 'process_name', 'CPUs');
  for (const c of l.cpus) {
    meta(CPUS_PID, c.cpu, 'thread_name', `cpu${c.cpu}`);
    for (const s of c.segments) {
      if (s.end <= s.start && s.what === 'idle') continue;
      const proc = s.proc < 0 ? '' : `${l.processes[s.proc] ?? `p${s.proc}`}/v${s.vcpu} `;
      const name = s.what === 'thread' || s.what === 'dispatcher' ? `${proc}${s.label}` : s.what;
      ev.push({ name, ph: 'X', pid: CPUS_PID, tid: c.cpu, ts: us(s.start), dur: us(Math.max(0, s.end - s.start)), cat: s.what, args: { proc: s.proc, vcpu: s.vcpu, thread: s.thread } });
    }
  }
  const pidOf = (proc: number): number => 2 + Math.max(0, proc);
  l.processes.forEach((name, i) => meta(pidOf(i), 0, 'process_name', `process ${name}`));
  for (const th of l.threads) {
    const pid = pidOf(th.proc);
    meta(pid, th.thread, 'thread_name', th.label);
    for (const s of th.segments) {
      ev.push({ name: s.state, ph: 'X', pid, tid: th.thread, ts: us(s.start), dur: us(Math.max(0, s.end - s.start)), cat: 'state', args: s.cpu >= 0 ? { cpu: s.cpu } : {} });
    }
  }
  for (const i of l.instants) {
    ev.push({ name: i.label, ph: 'i', pid: CPUS_PID, tid: Math.max(0, i.cpu), ts: us(i.time), s: 't', cat: i.type, args: { kind: i.kind, seq: i.seq } });
  }
  let id = 1;
  for (const f of l.flows) {
    const [proc, thread] = f.thread.split('.').map(Number) as [number, number];
    const pid = pidOf(proc);
    ev.push({ name: f.kind, ph: 's', pid, tid: thread, ts: us(f.from.time), id, cat: 'flow' });
    ev.push({ name: f.kind, ph: 'f', pid, tid: thread, ts: us(f.to.time), id, bp: 'e', cat: 'flow' });
    id++;
  }
  return {
    traceEvents: [...metas, ...ev], displayTimeUnit: 'ns',
    otherData: { generator: 'upcall', cpus: t.cpus, endTimeNs: t.endTime, records: t.records.length, dropped: t.dropped },
  };
}
