/**
 * Why the mappings differ: three workloads on the 'modern' preset, each showing one of
 * the reasons the lectures give for scheduler activations, under N:1, plain M:N (a
 * user-level scheduler on kernel threads), 1:1 and M:N with activations.
 *
 *  1. Multiprogramming: two copies of a lock-heavy parallel program share 4 CPUs. The
 *     kernel time-shares kernel threads, oblivious of user-level state: it preempts a
 *     kernel thread that holds a user-level lock, and the others spin (plain M:N) or
 *     yield (1:1). With activations the allocator space-shares the CPUs, 2 each, and a
 *     lock holder is never left preempted.
 *  2. Blocked calls outnumber kernel threads: 32 threads each wait 1 ms in the kernel (a
 *     fixed-latency block that does not queue, as a network round trip) and compute a
 *     little. Plain M:N with 4 kernel threads has at most 4 waits in flight; activations
 *     get a `blocked` upcall and run the next thread, so all 32 overlap.
 *  3. A page fault under N:1 stalls every thread; under the others only the faulting one.
 *
 * Run it alone with `npx tsx examples/models.ts`.
 */
import { pathToFileURL } from 'node:url';
import { compute, delay, join, Machine, spawn, SpinLock, touch } from '../src/index';
import type { Code, ProcessOptions, Report } from '../src/index';

export interface ModelRow {
  readonly label: string;
  readonly endTime: number;
  readonly spins: number;
  readonly preemptions: number;
  readonly upcalls: number;
  readonly crossings: number;
  /** What the program computed (equal in every row). */
  readonly result: unknown;
}

export interface ModelCase {
  readonly title: string;
  readonly rows: readonly ModelRow[];
}

const MAPPINGS: readonly { readonly label: string; readonly o: ProcessOptions }[] = [
  { label: 'N:1', o: { mapping: 'N:1' } },
  { label: 'M:N', o: { mapping: 'M:N', activations: false, vcpus: 4 } },
  { label: '1:1', o: { mapping: '1:1', vcpus: 4 } },
  { label: 'M:N + activations', o: { mapping: 'M:N', vcpus: 4 } },
];

function row(label: string, r: Report): ModelRow {
  if (r.outcome.kind !== 'completed') throw new Error(`models: ${label} ended ${r.outcome.kind}`);
  const ends = r.processes.map((p) => (p.end.kind === 'exited' ? p.end.time : r.endTime));
  return {
    label, endTime: Math.max(...ends), spins: r.counts.spins, preemptions: r.counts.preemptions, upcalls: r.counts.upcalls,
    crossings: r.counts.kernelCrossings, result: r.processes.map((p) => p.mainResult),
  };
}

/** 8 workers, each 50 times: a 20 us critical section under one SpinLock, then 40 us alone. */
function lockHeavy(): Code<number> {
  return (function* main(): Code<number> {
    const l = new SpinLock('shared');
    let total = 0;
    const ts = [];
    for (let i = 0; i < 8; i++) {
      ts.push(yield* spawn(function* worker(): Code<void> {
        for (let j = 0; j < 50; j++) {
          yield* l.lock();
          total++;
          yield* compute(20_000);
          yield* l.unlock();
          yield* compute(40_000);
        }
      }));
    }
    for (const t of ts) yield* join(t);
    return total;
  })();
}

export function multiprogrammed(): ModelCase {
  const rows = MAPPINGS.filter((x) => x.label !== 'N:1').map(({ label, o }) => {
    const m = new Machine({ cpus: 4, seed: 7 });
    m.process({ ...o, name: 'copy1' }, lockHeavy);
    m.process({ ...o, name: 'copy2' }, lockHeavy);
    return row(label, m.run());
  });
  return { title: 'two copies of a lock-heavy program (8 workers, 20 us under one SpinLock, 40 us outside, x50) on 4 CPUs', rows };
}

export function blockedCalls(): ModelCase {
  const rows = MAPPINGS.map(({ label, o }) => {
    const m = new Machine({ cpus: 4, seed: 7 });
    m.process(o, function* main(): Code<number> {
      const ts = [];
      for (let i = 0; i < 32; i++) ts.push(yield* spawn(function* call(): Code<void> { yield* compute(20_000); yield* delay(1_000_000); yield* compute(20_000); }));
      for (const t of ts) yield* join(t);
      return 32;
    });
    return row(label, m.run());
  });
  return { title: '32 threads each blocked 1 ms in the kernel (a non-queuing wait) between two 20 us computes, 4 CPUs', rows };
}

export function pageFaults(): ModelCase {
  const rows = MAPPINGS.map(({ label, o }) => {
    const m = new Machine({ cpus: 4, seed: 7 });
    m.process({ ...o, memory: { residentPages: 64 } }, function* main(): Code<number> {
      const pager = yield* spawn(function* pager(): Code<void> { for (let p = 0; p < 8; p++) yield* touch(p); });
      const ts = [pager];
      for (let i = 0; i < 4; i++) ts.push(yield* spawn(function* cruncher(): Code<void> { yield* compute(500_000); }));
      for (const t of ts) yield* join(t);
      return 5;
    });
    return row(label, m.run());
  });
  return { title: 'one thread touches 8 pages that fault (each a ~104 us disk read) while 4 others compute 500 us, 4 CPUs', rows };
}

/** The case as printable table lines. */
export function modelTable(c: ModelCase): string[] {
  const head = ['mapping', 'end (us)', 'spins', 'preemptions', 'upcalls', 'crossings'];
  const body = c.rows.map((r) => [r.label, (r.endTime / 1000).toFixed(0), String(r.spins), String(r.preemptions), String(r.upcalls), String(r.crossings)]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  const line = (cells: readonly string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(w[i] as number) : x.padStart(w[i] as number))).join('  ');
  return [line(head), ...body.map(line)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const c of [multiprogrammed(), blockedCalls(), pageFaults()]) {
    console.log(c.title);
    for (const l of modelTable(c)) console.log(`  ${l}`);
    console.log('');
  }
}
