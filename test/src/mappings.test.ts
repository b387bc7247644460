/**
 * The four mappings run the same application unchanged, and each shows its defining
 * behaviour in simulated time:
 *  - N:1: one blocking read stalls every thread of the process;
 *  - M:N without activations: a kernel thread blocked in a read idles its processor;
 *  - M:N with activations: the vCPU keeps running other threads during the read;
 *  - 1:1: every thread operation is a kernel crossing.
 * A property checks that every mapping computes the same results and loses no thread.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { compute, delay, join, KernelSemaphore, Machine, Mutex, read, Semaphore, sleep, spawn, SpinLock, touch, yieldNow } from '../../src/index';
import type { Code, ProcessOptions, Report, Thread } from '../../src/index';

const SA: ProcessOptions = { vcpus: 1 };
const N1: ProcessOptions = { mapping: 'N:1' };
const ONE: ProcessOptions = { mapping: '1:1', vcpus: 1 };

function runOn(o: ProcessOptions, main: () => Code<unknown>, cpus = 1, seed = 11): Report {
  const m = new Machine({ cpus, seed });
  m.process(o, main);
  return m.run();
}

/** One thread reads 4 KiB (~104 us of disk) while another computes 300 us. */
function* readerAndCruncher(): Code<string[]> {
  const r = yield* spawn(function* reader(): Code<string> { yield* read(4096); return 'read'; });
  const c = yield* spawn(function* cruncher(): Code<string> { yield* compute(300_000); return 'crunched'; });
  return [yield* join(r), yield* join(c)];
}

describe('mappings in simulated time (seed 11)', () => {
  it('N:1: a blocking read stalls every thread (the times add up)', () => {
    const n1 = runOn(N1, readerAndCruncher);
    const sa = runOn(SA, readerAndCruncher);
    expect(n1.processes[0]?.mainResult).toEqual(['read', 'crunched']);
    expect(sa.processes[0]?.mainResult).toEqual(['read', 'crunched']);
    // N:1 ~ 104 us of disk + 300 us of compute; with activations they overlap: ~300 us
    expect(n1.endTime).toBeGreaterThan(400_000);
    expect(sa.endTime).toBeLessThan(330_000);
  });

  it('M:N without activations: a blocked kernel thread idles its processor', () => {
    // 2 vCPUs = 2 kernel threads; the reader's kernel thread sits out the read.
    function* main(): Code<number> {
      const r = yield* spawn(function* reader(): Code<void> { for (let i = 0; i < 3; i++) yield* read(4096); });
      const cs: Thread<void>[] = [];
      for (let i = 0; i < 4; i++) cs.push(yield* spawn(function* cruncher(): Code<void> { yield* compute(100_000); }));
      yield* join(r);
      for (const c of cs) yield* join(c);
      return 1;
    }
    const plain = runOn({ vcpus: 2, activations: false }, main, 2);
    const sa = runOn({ vcpus: 2 }, main, 2);
    expect(plain.outcome.kind).toBe('completed');
    expect(sa.outcome.kind).toBe('completed');
    // with activations both processors compute while the reads are outstanding
    expect(sa.endTime).toBeLessThan(plain.endTime);
    const plainBusy = plain.processes[0]!.vcpus.reduce((a, v) => a + v.busy, 0);
    const saBusy = sa.processes[0]!.vcpus.reduce((a, v) => a + v.busy, 0);
    expect(plainBusy / (2 * plain.endTime)).toBeLessThan(saBusy / (2 * sa.endTime));
    expect(plain.counts.upcalls).toBe(0);
    expect(sa.counts.upcalls).toBeGreaterThanOrEqual(3); // a blocked upcall per read
  });

  it('M:N with activations: the vCPU keeps running other threads during a read', () => {
    const r = runOn(SA, readerAndCruncher);
    const t = r.processes[0]!.threads;
    const cruncher = t.find((x) => x.name === 'cruncher')!;
    const reader = t.find((x) => x.name === 'reader')!;
    expect(reader.finished).toBeLessThan(cruncher.finished); // the read completed mid-compute
    expect(r.processes[0]!.vcpus[0]!.utilization).toBeGreaterThan(0.9);
  });

  it('1:1: every thread operation is a kernel crossing', () => {
    const yields = 50;
    function* pingers(): Code<void> {
      const a = yield* spawn(function* a(): Code<void> { for (let i = 0; i < yields; i++) yield* yieldNow(); });
      const b = yield* spawn(function* b(): Code<void> { for (let i = 0; i < yields; i++) yield* yieldNow(); });
      yield* join(a);
      yield* join(b);
    }
    const one = runOn(ONE, pingers);
    const sa = runOn(SA, pingers);
    expect(one.counts.syscalls).toBeGreaterThanOrEqual(2 * yields);
    expect(sa.counts.syscalls).toBeLessThan(10);
    expect(one.endTime).toBeGreaterThan(5 * sa.endTime);
    // heavyweight processes pay an address-space switch on top
    const proc = runOn({ mapping: '1:1', vcpus: 1, heavyweight: true }, pingers);
    expect(proc.endTime).toBeGreaterThan(one.endTime);
  });

  it('1:1: spawn, join, a contended Mutex and a Semaphore each cost kernel crossings; at user level they cost none', () => {
    const N = 20;
    const ops: Record<string, () => Code<void>> = {
      spawnJoin: function* (): Code<void> {
        for (let i = 0; i < N; i++) yield* join(yield* spawn(function* kid(): Code<void> { /* empty */ }));
      },
      mutex: function* (): Code<void> {
        const mu = new Mutex();
        const ts: Thread<void>[] = [];
        for (let i = 0; i < 2; i++) ts.push(yield* spawn(function* w(): Code<void> { for (let j = 0; j < N; j++) { yield* mu.lock(); yield* yieldNow(); yield* mu.unlock(); } }));
        for (const t of ts) yield* join(t);
      },
      semaphore: function* (): Code<void> {
        const s = new Semaphore(0);
        const w = yield* spawn(function* waiter(): Code<void> { for (let j = 0; j < N; j++) yield* s.wait(); });
        for (let j = 0; j < N; j++) { yield* s.post(); yield* yieldNow(); }
        yield* join(w);
      },
    };
    const sys = (o: ProcessOptions, op: string): number => {
      const r = runOn(o, ops[op] as () => Code<void>, 1, 1);
      expect(r.outcome.kind, `${op}`).toBe('completed');
      return r.counts.syscalls;
    };
    // spawn = kernel-thread create + unpark, join = park, exit = kernel-thread exit: >= 3 per pair
    expect(sys(ONE, 'spawnJoin')).toBeGreaterThanOrEqual(3 * N);
    expect(sys(SA, 'spawnJoin')).toBeLessThanOrEqual(5);
    expect(sys(N1, 'spawnJoin')).toBeLessThanOrEqual(5);
    // a wait that blocks parks its kernel thread, a post that wakes unparks one
    expect(sys(ONE, 'semaphore')).toBeGreaterThanOrEqual(2 * N);
    expect(sys(SA, 'semaphore')).toBeLessThanOrEqual(5);
    // the yields inside the lock cost a sys_yield everywhere; 1:1 adds a park/unpark per hand-off
    expect(sys(ONE, 'mutex') - sys(SA, 'mutex')).toBeGreaterThanOrEqual(2 * N);
  });

  it('M:N without activations: a kernel-preempted kernel thread holding a ULS spinlock makes the other spin', () => {
    // Another process takes half of the 2 CPUs, so the kernel time-slices plain M:N's two
    // kernel threads on one CPU: the waiter's thread spins whole quanta while the
    // holder's sits preempted. With activations one vCPU runs both threads: no spin.
    function* main(): Code<number> {
      const l = new SpinLock('s');
      const ts: Thread<void>[] = [];
      for (let i = 0; i < 2; i++) {
        ts.push(yield* spawn(function* w(): Code<void> {
          for (let j = 0; j < 5; j++) {
            yield* l.lock();
            yield* compute(300_000);
            yield* l.unlock();
            yield* compute(10_000);
          }
        }));
      }
      for (const t of ts) yield* join(t);
      return l.spins;
    }
    function* other(): Code<void> {
      const ts: Thread<void>[] = [];
      for (let i = 0; i < 2; i++) ts.push(yield* spawn(function* o(): Code<void> { yield* compute(4_000_000); }));
      for (const t of ts) yield* join(t);
    }
    const spins = (o: ProcessOptions): number => {
      const m = new Machine({ cpus: 2, seed: 1 });
      m.process(o, main);
      m.process({ vcpus: 2, name: 'other' }, other);
      const r = m.run();
      expect(r.outcome.kind).toBe('completed');
      return r.processes[0]!.mainResult as number;
    };
    expect(spins({ vcpus: 2, activations: false })).toBeGreaterThan(20_000); // ~ a 1 ms quantum of 20 ns test-and-sets
    expect(spins({ vcpus: 2 })).toBe(0);
  });

  it('page faults under kernel paging block the whole process only under N:1', () => {
    function* main(): Code<void> {
      const p = yield* spawn(function* pager(): Code<void> { for (let i = 0; i < 4; i++) yield* touch(i); });
      const c = yield* spawn(function* cruncher(): Code<void> { yield* compute(300_000); });
      yield* join(p);
      yield* join(c);
    }
    const mem = { memory: { residentPages: 8 } };
    const n1 = runOn({ ...N1, ...mem }, main);
    const sa = runOn({ ...SA, ...mem }, main);
    expect(n1.processes[0]?.memory?.faults).toBe(4);
    expect(sa.processes[0]?.memory?.faults).toBe(4);
    // N:1 ~ 4 page-ins (~416 us) + 300 us of compute in sequence; with activations they overlap
    expect(n1.endTime).toBeGreaterThan(sa.endTime + 250_000);
  });
});

type Op = { k: 'compute'; ns: number } | { k: 'read'; bytes: number } | { k: 'touch'; page: number } | { k: 'lock'; ns: number } | { k: 'sleep'; ns: number } | { k: 'yield' }
  | { k: 'delay'; ns: number } | { k: 'ksem' };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant('compute' as const), ns: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ k: fc.constant('read' as const), bytes: fc.integer({ min: 0, max: 8192 }) }),
  fc.record({ k: fc.constant('touch' as const), page: fc.integer({ min: 0, max: 9 }) }),
  fc.record({ k: fc.constant('lock' as const), ns: fc.integer({ min: 0, max: 5_000 }) }),
  fc.record({ k: fc.constant('sleep' as const), ns: fc.integer({ min: 0, max: 20_000 }) }),
  fc.record({ k: fc.constant('yield' as const) }),
  fc.record({ k: fc.constant('delay' as const), ns: fc.integer({ min: 0, max: 30_000 }) }),
  fc.record({ k: fc.constant('ksem' as const) }),
);

function programOf(ops: Op[][]): () => Code<number[]> {
  return function* main(): Code<number[]> {
    const m = new Mutex('shared');
    const ks = new KernelSemaphore(0, 'k');
    let counter = 0;
    const ts: Thread<number>[] = [];
    for (let i = 0; i < ops.length; i++) {
      ts.push(yield* spawn(function* worker(): Code<number> {
        let acc = i;
        for (const o of ops[i] ?? []) {
          switch (o.k) {
            case 'compute': yield* compute(o.ns); acc += 1; break;
            case 'read': acc += yield* read(o.bytes); break;
            case 'touch': yield* touch(o.page); acc += o.page; break;
            case 'lock': yield* m.lock(); counter++; yield* compute(o.ns); yield* m.unlock(); break;
            case 'sleep': yield* sleep(o.ns); break;
            case 'yield': yield* yieldNow(); break;
            case 'delay': yield* delay(o.ns); acc += 2; break;
            case 'ksem': yield* ks.post(); yield* ks.wait(); acc += 3; break;
          }
        }
        return acc;
      }));
    }
    const out: number[] = [];
    for (const t of ts) out.push(yield* join(t));
    out.push(counter);
    return out;
  };
}

describe('every mapping computes the same results', () => {
  const daemonsArb = fc.option(fc.record({ period: fc.integer({ min: 50_000, max: 300_000 }), burst: fc.integer({ min: 1_000, max: 30_000 }) }), { nil: undefined });
  test.prop([fc.array(fc.array(opArb, { maxLength: 6 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 1000 }), fc.boolean(), daemonsArb], { numRuns: 60 })(
    'no thread is lost and results agree across M:N+SA (prevent and recover), M:N, N:1, 1:1 and heavyweight 1:1',
    (ops, vcpus, seed, paging, daemons) => {
      const memory = paging ? { memory: { residentPages: 4 } } : {};
      const configs: ProcessOptions[] = [
        { vcpus, ...memory }, { vcpus, criticalSections: 'recover', ...memory }, { vcpus, activations: false, ...memory },
        { mapping: 'N:1', ...memory }, { mapping: '1:1', vcpus, ...memory }, { mapping: '1:1', vcpus, heavyweight: true, ...memory },
      ];
      const results = configs.map((o) => {
        const m = new Machine({ cpus: 4, seed, costs: { quantum: 20_000 }, ...(daemons === undefined ? {} : { daemons }) });
        m.process(o, programOf(ops));
        const r = m.run();
        expect(r.outcome, JSON.stringify(o)).toEqual({ kind: 'completed' });
        expect(r.violationCount).toBe(0);
        expect(r.processes[0]!.threads.every((t) => t.state === 'exited')).toBe(true);
        expect(m.internals().processes[0]!.uls.busy, 'the activations runtime\'s busy count ends at 0').toBe(0);
        return r.processes[0]!.mainResult;
      });
      for (const r of results) expect(r).toEqual(results[0]);
    },
  );
});
