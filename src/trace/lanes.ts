/**
 * Lane derivation: turns a recorded run (RunTrace) into what a timeline draws, shared by the
 * text and HTML renderers. Pure, deterministic, one pass over the records (plus a sort of
 * the thread lanes by process and id).
 *
 *  - CPU lanes: per physical CPU, the segments saying what ran. A segment changes whenever
 *    the (proc, vcpu, thread, what) of successive records of that CPU changes; it ends at the
 *    next record of that CPU that changes it, or at the end of the run. `what`: 'idle' for a
 *    kind `idle` record or pc `idle`, 'kernel' when no process (proc -1), 'thread' at pc
 *    `user`, 'dispatcher' for the other pcs of a process.
 *  - Thread lanes (key `${proc}.${thread}`): 'running' while a CPU segment is that thread in
 *    'thread' code; 'blocked' after a `ublock` (or `block`) for it until a `wake`; 'ready'
 *    after a `wake` / `spawn`, or when it stops running without blocking; ended at `exit`.
 *  - Instants: upcalls, interrupts (and injected events), faults.
 *  - Flows: block record -> the wake of that thread; wake record -> when it next runs.
 *
 * Zero-length segments are dropped and touching equal ones merged.
 */
import type { RunTrace, TraceRecord } from './schema';

export type What = 'thread' | 'dispatcher' | 'idle' | 'kernel';
export type ThreadState = 'running' | 'ready' | 'blocked';

export interface CpuSegment {
  readonly start: number;
  readonly end: number;
  readonly proc: number;
  readonly vcpu: number;
  readonly thread: number;
  readonly label: string;
  readonly what: What;
}

export interface CpuLane {
  readonly cpu: number;
  readonly segments: readonly CpuSegment[];
}

export interface ThreadSegment {
  readonly start: number;
  readonly end: number;
  readonly state: ThreadState;
  /** The CPU it ran on while 'running'; -1 otherwise. */
  readonly cpu: number;
}

export interface ThreadLane {
  /** `${proc}.${thread}` */
  readonly key: string;
  readonly proc: number;
  readonly process: string | null;
  readonly thread: number;
  readonly label: string;
  readonly segments: readonly ThreadSegment[];
}

export type InstantType = 'upcall' | 'interrupt' | 'fault';

export interface Instant {
  readonly time: number;
  readonly cpu: number;
  readonly type: InstantType;
  /** The record's kind. */
  readonly kind: string;
  readonly label: string;
  readonly proc: number;
  readonly thread: number;
  readonly seq: number;
}

export interface FlowEnd {
  readonly time: number;
  readonly cpu: number;
  readonly seq: number;
}

export interface Flow {
  readonly kind: 'block-wake' | 'wake-run';
  /** The thread's lane key. */
  readonly thread: string;
  readonly from: FlowEnd;
  readonly to: FlowEnd;
}

export interface Lanes {
  /** Time span covered: 0 (or the first kept record's time when records were dropped) to the end. */
  readonly start: number;
  readonly end: number;
  readonly dropped: number;
  readonly processes: readonly string[];
  readonly cpus: readonly CpuLane[];
  readonly threads: readonly ThreadLane[];
  readonly instants: readonly Instant[];
  readonly flows: readonly Flow[];
}

export const threadKey = (proc: number, thread: number): string => `${proc}.${thread}`;

const INJECTED = ['event', 'interrupt', 'page fault', 'revocation', 'stall'];
const FAULTS = new Set(['pagefault', 'trap', 'process-fault', 'violation']);
const INSTANTS = new Set(['upcall-run', 'irq-enabled', 'irq-disabled', 'inject', ...FAULTS]);
const NOTES = new Set(['spawn', 'wake', 'ublock', 'block', 'kt-block', 'exit']);

/** What a record says the CPU was running. */
export function whatOf(r: TraceRecord): What {
  if (r.kind === 'idle' || r.pc === 'idle') return 'idle';
  if (r.proc < 0) return 'kernel';
  // a user-level switch is the last dispatcher step before the resumed thread's code runs:
  // what follows it on that CPU, until the next record, is that thread
  if (r.kind === 'switch') return 'thread';
  return r.pc === 'user' ? 'thread' : 'dispatcher';
}

interface OpenCpu {
  start: number;
  proc: number;
  vcpu: number;
  thread: number;
  what: What;
  label: string;
  /** The thread's track when running thread code. */
  track: Track | null;
}

interface Track {
  lane: { key: string; proc: number; process: string | null; thread: number; label: string | null; segments: Mutable<ThreadSegment>[] };
  /** The CPUs running its code now (one, unless the trace says otherwise). */
  on: number[];
  base: 'ready' | 'blocked' | null;
  exited: boolean;
  cur: { state: ThreadState; start: number; cpu: number } | null;
  last: number;
  pendingBlock: FlowEnd | null;
  pendingWakes: FlowEnd[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Appends a segment unless empty; extends the last one instead when it touches and is the same. */
function pushSeg<T extends { start: number; end: number }>(list: Mutable<T>[], seg: Mutable<T>, same: (a: T, b: T) => boolean): void {
  if (seg.end <= seg.start) return;
  const prev = list[list.length - 1];
  if (prev !== undefined && prev.end === seg.start && same(prev, seg)) {
    prev.end = seg.end;
    return;
  }
  list.push(seg);
}

const sameCpuSeg = (a: CpuSegment, b: CpuSegment): boolean =>
  a.what === b.what && a.proc === b.proc && a.vcpu === b.vcpu && a.thread === b.thread && a.label === b.label;
const sameThreadSeg = (a: ThreadSegment, b: ThreadSegment): boolean => a.state === b.state && a.cpu === b.cpu;

function instantOf(r: TraceRecord): Instant | null {
  let type: InstantType;
  let label: string;
  if (r.kind === 'upcall-run') {
    type = 'upcall';
    label = r.notices !== undefined && r.notices.length > 0 ? `upcall-run: ${r.notices.join(', ')}` : 'upcall-run';
  } else if (r.kind === 'irq-enabled' || r.kind === 'irq-disabled') {
    type = 'interrupt';
    label = r.save !== undefined ? `${r.kind} (save ${r.save})` : r.kind;
  } else if (r.kind === 'inject') {
    type = 'interrupt';
    label = `inject ${INJECTED[r.a] ?? `#${r.a}`}`;
  } else if (FAULTS.has(r.kind)) {
    type = 'fault';
    label = r.kind + (r.name !== undefined ? ` ${r.name}` : '') + ((r.kind === 'trap' || r.kind === 'pagefault') && r.b === 1 ? ' (disabled)' : '');
  } else {
    return null;
  }
  return { time: r.time, cpu: r.cpu, type, kind: r.kind, label, proc: r.proc, thread: r.thread, seq: r.seq };
}

export function deriveLanes(t: RunTrace): Lanes {
  const recs = t.records;
  let start = 0;
  let end = t.endTime;
  if (recs.length > 0) {
    let min = Infinity;
    for (const r of recs) {
      if (r.time < min) min = r.time;
      if (r.time > end) end = r.time;
    }
    if (t.dropped > 0 || min < 0) start = min;
  }
  if (end < start) end = start;

  let cpuCount = t.cpus;
  for (const r of recs) if (r.cpu >= cpuCount) cpuCount = r.cpu + 1;
  const cpuSegs: Mutable<CpuSegment>[][] = [];
  const open: (OpenCpu | null)[] = [];
  for (let c = 0; c < cpuCount; c++) {
    cpuSegs.push([]);
    open.push(null);
  }

  // Keyed by proc * 2^32 + thread (exact for any int32 thread id and small proc), no string per record.
  const tracks = new Map<number, Track>();
  const instants: Instant[] = [];
  const flows: Flow[] = [];

  const track = (proc: number, thread: number, process: string | null): Track => {
    const id = proc * 0x100000000 + thread;
    let tr = tracks.get(id);
    if (tr === undefined) {
      const key = threadKey(proc, thread);
      tr = {
        lane: { key, proc, process: t.processes[proc] ?? process, thread, label: null, segments: [] },
        on: [], base: null, exited: false, cur: null, last: -Infinity, pendingBlock: null, pendingWakes: [],
      };
      tracks.set(id, tr);
    }
    return tr;
  };

  const update = (tr: Track, time: number): void => {
    const at = Math.max(time, tr.last);
    tr.last = at;
    const state: ThreadState | null = tr.exited ? null : tr.on.length > 0 ? 'running' : tr.base;
    const cpu = state === 'running' ? (tr.on[tr.on.length - 1] as number) : -1;
    const cur = tr.cur;
    if (cur !== null && cur.state === state && cur.cpu === cpu) return;
    if (cur !== null) pushSeg(tr.lane.segments, { start: cur.start, end: at, state: cur.state, cpu: cur.cpu }, sameThreadSeg);
    tr.cur = state === null ? null : { state, start: at, cpu };
  };

  const closeCpu = (cpu: number, time: number): void => {
    const o = open[cpu];
    if (o === null || o === undefined) return;
    const segs = cpuSegs[cpu] as Mutable<CpuSegment>[];
    pushSeg(segs, { start: o.start, end: Math.max(time, o.start), proc: o.proc, vcpu: o.vcpu, thread: o.thread, label: o.label, what: o.what }, sameCpuSeg);
    open[cpu] = null;
    const tr = o.track;
    if (tr !== null) {
      const i = tr.on.lastIndexOf(cpu);
      if (i >= 0) tr.on.splice(i, 1);
      update(tr, time);
    }
  };

  const labelOf = (r: TraceRecord, what: What): string => {
    const tl = r.threadLabel ?? (r.thread >= 0 ? `T${r.thread}` : null);
    switch (what) {
      case 'thread': return tl ?? 'thread';
      case 'dispatcher': return tl !== null ? `dispatcher (${tl})` : 'dispatcher';
      case 'idle': return 'idle';
      case 'kernel': return tl !== null ? `kernel (${tl})` : 'kernel';
    }
  };

  for (const r of recs) {
    // Threads the record names: its label, and a lane for it.
    if (r.proc >= 0 && r.thread >= 0) {
      const tr = track(r.proc, r.thread, r.process);
      if (tr.lane.label === null && r.threadLabel !== null) tr.lane.label = r.threadLabel;
    }

    // What the CPU runs.
    if (r.cpu >= 0) {
      const what = whatOf(r);
      const o = open[r.cpu] ?? null;
      if (o === null || o.what !== what || o.proc !== r.proc || o.vcpu !== r.vcpu || o.thread !== r.thread) {
        closeCpu(r.cpu, r.time);
        const tr = what === 'thread' && r.thread >= 0 ? track(r.proc, r.thread, r.process) : null;
        open[r.cpu] = { start: r.time, proc: r.proc, vcpu: r.vcpu, thread: r.thread, what, label: labelOf(r, what), track: tr };
        if (tr !== null) {
          tr.on.push(r.cpu);
          tr.base = 'ready';
          tr.pendingBlock = null;
          for (const w of tr.pendingWakes) flows.push({ kind: 'wake-run', thread: tr.lane.key, from: w, to: { time: r.time, cpu: r.cpu, seq: r.seq } });
          tr.pendingWakes = [];
          update(tr, r.time);
        }
      }
    }

    // Thread life-cycle notes.
    if (r.proc >= 0 && NOTES.has(r.kind)) {
      const here: FlowEnd = { time: r.time, cpu: r.cpu, seq: r.seq };
      switch (r.kind) {
        case 'spawn': {
          const tr = track(r.proc, r.a, r.process);
          tr.exited = false;
          tr.base = 'ready';
          update(tr, r.time);
          break;
        }
        case 'wake': {
          const tr = track(r.proc, r.a, r.process);
          tr.base = 'ready';
          if (tr.pendingBlock !== null) flows.push({ kind: 'block-wake', thread: tr.lane.key, from: tr.pendingBlock, to: here });
          tr.pendingBlock = null;
          tr.pendingWakes.push(here);
          update(tr, r.time);
          break;
        }
        case 'ublock':
        case 'block':
        case 'kt-block': {
          const id = r.kind === 'ublock' ? r.a : r.thread;
          if (id < 0) break;
          const tr = track(r.proc, id, r.process);
          tr.base = 'blocked';
          if (tr.pendingBlock === null) tr.pendingBlock = here;
          tr.pendingWakes = [];
          update(tr, r.time);
          break;
        }
        case 'exit': {
          const tr = track(r.proc, r.a, r.process);
          tr.exited = true;
          tr.base = null;
          tr.pendingBlock = null;
          tr.pendingWakes = [];
          update(tr, r.time);
          break;
        }
        default:
          break;
      }
    }

    if (INSTANTS.has(r.kind)) {
      const inst = instantOf(r);
      if (inst !== null) instants.push(inst);
    }
  }

  for (let c = 0; c < cpuCount; c++) closeCpu(c, end);
  const threads: ThreadLane[] = [];
  for (const tr of tracks.values()) {
    tr.exited = true;
    update(tr, end);
    const l = tr.lane;
    threads.push({ key: l.key, proc: l.proc, process: l.process, thread: l.thread, label: l.label ?? `T${l.thread}`, segments: l.segments });
  }
  threads.sort((a, b) => a.proc - b.proc || a.thread - b.thread);

  return {
    start, end, dropped: t.dropped, processes: t.processes,
    cpus: cpuSegs.map((segments, cpu) => ({ cpu, segments })),
    threads, instants, flows,
  };
}
