/** Hand-built traces for the renderer tests, and the program the recorder and export tests record. */
import { compute, join, Mutex, spawn, yieldNow } from '../../../src/index';
import type { Code } from '../../../src/index';
import type { RunTrace, TraceRecord } from '../../../src/trace/schema';

/** Main and two workers taking turns on a Mutex around a compute, yielding between turns. */
export function* mutexWorkers(): Code<number> {
  const m = new Mutex('m');
  const w = function* worker(): Code<void> {
    for (let i = 0; i < 3; i++) {
      yield* m.lock();
      yield* compute(2_000);
      yield* m.unlock();
      yield* yieldNow();
    }
  };
  const a = yield* spawn(w);
  const b = yield* spawn(w);
  yield* join(a);
  yield* join(b);
  return 1;
}

export type Rec = Partial<TraceRecord> & Pick<TraceRecord, 'time' | 'cpu' | 'kind'>;

/** Fills in a record: proc/vcpu/thread -1, pc `kernel`, operands 0; labels from `labels`. */
export function trace(recs: readonly Rec[], o: { cpus: number; endTime: number; processes?: string[]; labels?: Record<number, string>; dropped?: number }): RunTrace {
  const processes = o.processes ?? ['app'];
  const records: TraceRecord[] = recs.map((r, seq) => {
    const proc = r.proc ?? -1;
    const thread = r.thread ?? -1;
    return {
      seq, a: 0, b: 0, vcpu: -1, pc: 'kernel', ...r, proc, thread,
      process: r.process ?? (proc >= 0 ? processes[proc] ?? null : null),
      threadLabel: r.threadLabel ?? (thread >= 0 ? o.labels?.[thread] ?? `T${thread}` : null),
    };
  });
  return { records, dropped: o.dropped ?? 0, cpus: o.cpus, processes, endTime: o.endTime };
}

const p0 = (vcpu: number, thread: number, pc: string): Pick<TraceRecord, 'proc' | 'vcpu' | 'thread' | 'pc'> => ({ proc: 0, vcpu, thread, pc });

/**
 * Two CPUs, one process `app`, main (T1) and a worker (T2):
 *  cpu0: kernel 0-10, dispatcher 10-20, T1 20-50 (spawns T2 at 30), T1 blocks on a mutex at 50,
 *        T2 60-80, T2 wakes T1 at 80 (dispatcher 80-85), T2 85-100, exits at 100, idle 110-120.
 *  cpu1: idle 0-70, dispatcher 70-90, T1 90-120 (a page fault at 95).
 */
export function sample(labels: Record<number, string> = { 1: 'T1(main)', 2: 'T2(worker)' }): RunTrace {
  return trace([
    { time: 0, cpu: 0, kind: 'dispatch' },
    { time: 0, cpu: 1, kind: 'idle', pc: 'idle' },
    { time: 10, cpu: 0, kind: 'upcall-run', ...p0(0, -1, 'upcall'), notices: ['start'] },
    { time: 20, cpu: 0, kind: 'switch', ...p0(0, 1, 'user'), a: 1 },
    { time: 30, cpu: 0, kind: 'spawn', ...p0(0, 1, 'user'), a: 2, b: 1 },
    { time: 30, cpu: 0, kind: 'wake', ...p0(0, 1, 'user'), a: 2, b: 0 },
    { time: 50, cpu: 0, kind: 'ublock', ...p0(0, 1, 'lock+3'), a: 1, name: 'mutex' },
    { time: 60, cpu: 0, kind: 'switch', ...p0(0, 2, 'user'), a: 2 },
    { time: 70, cpu: 1, kind: 'dispatch', ...p0(1, -1, 'upcall'), a: 1 },
    { time: 80, cpu: 0, kind: 'wake', ...p0(0, 2, 'unlock+2'), a: 1, b: 1 },
    { time: 85, cpu: 0, kind: 'irq-enabled', ...p0(0, 2, 'user'), save: 'enabled' },
    { time: 90, cpu: 1, kind: 'switch', ...p0(1, 1, 'user'), a: 1 },
    { time: 95, cpu: 1, kind: 'pagefault', ...p0(1, 1, 'user') },
    { time: 100, cpu: 0, kind: 'exit', ...p0(0, 2, 'exit+0'), a: 2 },
    { time: 110, cpu: 0, kind: 'idle', pc: 'idle' },
  ], { cpus: 2, endTime: 120, labels });
}
