/**
 * Releasing threads (runtime/uls.ts): a thread that has exited and is joined or
 * detached leaves its process's list of unreleased threads, so the runtime's thread
 * structures stay as small as the live set; the report keeps the records of the first
 * `keepThreadRecords` released threads and counts the rest; releasing changes no
 * simulated behaviour (the trace hash).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, Machine, Semaphore, detach, join, sleep, spawn, yieldNow } from '../../src/index';
import type { Code, MachineOptions, ProcessOptions, Thread } from '../../src/index';
import type { Uls } from '../../runtime/uls';

const MAPPINGS: readonly [string, ProcessOptions][] = [
  ['M:N with activations', {}],
  ['M:N on kernel threads', { activations: false }],
  ['N:1', { mapping: 'N:1' }],
  ['1:1', { mapping: '1:1' }],
];

/** A machine with one process running main(uls, ...args): main reads its own runtime from host code (no simulated instruction). */
function build<A extends unknown[]>(opts: MachineOptions, p: ProcessOptions, main: (uls: () => Uls, ...args: A) => Code<unknown>, ...args: A): Machine {
  const m = new Machine(opts);
  const uls = (): Uls => m.internals().processes[0]!.uls;
  return m.process(p, main, uls, ...args);
}

function* brief(i: number): Code<number> {
  yield* yieldNow();
  return i;
}

/** n threads in batches of `width`: spawn a batch, join it; the most the list ever held. */
function* batches(uls: () => Uls, n: number, width: number): Code<number> {
  let most = 0;
  let sum = 0;
  for (let i = 0; i < n; i += width) {
    const ts: Thread<number>[] = [];
    for (let j = 0; j < width; j++) ts.push(yield* spawn(brief, i + j));
    most = Math.max(most, uls().unreleasedCount);
    for (const t of ts) sum += yield* join(t);
    most = Math.max(most, uls().unreleasedCount);
  }
  return most * 1e12 + sum;
}

describe('released threads leave the runtime', () => {
  for (const [title, p] of MAPPINGS) {
    it(`20,000 short-lived joined threads, at most 4 live at once, keep the list at main + 4 (${title})`, () => {
      const n = 20_000;
      const m = build({}, p, batches, n, 4);
      const r = m.run();
      expect(r.ok).toBe(true);
      const most = Math.floor((r.processes[0]!.mainResult as number) / 1e12);
      const sum = (r.processes[0]!.mainResult as number) % 1e12;
      expect(sum).toBe((n * (n - 1)) / 2); // every thread ran and handed its result over
      expect(most).toBe(5);
      const uls = m.internals().processes[0]!.uls;
      expect(uls.unreleasedCount).toBe(1); // main: exited, never joined
      expect(uls.created).toBe(n + 1);
      expect(uls.released.length).toBe(1000); // the default cap
      expect(uls.droppedRecords).toBe(n - 1000);
      expect(r.processes[0]!.threadRecords).toEqual({ created: n + 1, kept: 1001, dropped: n - 1000, cap: 1000 });
    });
  }

  it('a detached thread is released when it exits, and an exited one when it is detached', () => {
    let early = -1;
    let late = -1;
    const m = build({ keepThreadRecords: 0 }, {}, function* main(uls): Code<boolean[]> {
      const a = yield* spawn(brief, 1);
      early = a.id;
      yield* detach(a); // still live: released at its exit
      const b = yield* spawn(brief, 2);
      late = b.id;
      yield* sleep(10_000); // both exit
      const aGone = uls().findThread(early) === null;
      const bHeld = uls().findThread(late) === b;
      yield* detach(b); // exited: released by the detach
      return [aGone, bHeld, uls().findThread(late) === null, uls().unreleasedCount === 1];
    });
    const r = m.run();
    expect(r.ok).toBe(true);
    expect(r.processes[0]!.mainResult).toEqual([true, true, true, true]);
    expect(r.processes[0]!.threads.map((t) => t.id)).toEqual([1]);
    expect(r.processes[0]!.threadRecords).toEqual({ created: 3, kept: 1, dropped: 2, cap: 0 });
    expect(m.internals().processes[0]!.uls.released).toEqual([]);
  });

  it('a thread joined only later is held, result and all, until the join', () => {
    const m = build({ keepThreadRecords: 0 }, {}, function* main(uls): Code<unknown[]> {
      const t = yield* spawn(brief, 42);
      yield* sleep(10_000);
      const held = uls().findThread(t.id);
      const before = [held === t, held?.state, held?.result, uls().unreleasedCount];
      const v = yield* join(t);
      return [...before, v, uls().findThread(t.id), uls().unreleasedCount];
    });
    const r = m.run();
    expect(r.ok).toBe(true);
    expect(r.processes[0]!.mainResult).toEqual([true, 'exited', 42, 2, 42, null, 1]);
  });
});

/** Spawn `joined` threads and join them, then `left` threads never joined. */
function* someJoined(_uls: () => Uls, joined: number, left: number): Code<number> {
  const ts: Thread<number>[] = [];
  for (let i = 0; i < joined; i++) ts.push(yield* spawn(brief, i));
  for (const t of ts) yield* join(t);
  for (let i = 0; i < left; i++) yield* spawn(brief, 100 + i);
  yield* sleep(10_000);
  return joined;
}

describe('the report keeps a bounded number of released threads', () => {
  it('the first `keepThreadRecords` released, every unjoined one, and the count of the dropped', () => {
    const r = build({ keepThreadRecords: 3 }, {}, someJoined, 10, 2).run();
    expect(r.ok).toBe(true);
    const p = r.processes[0]!;
    expect(p.threads.map((t) => t.id)).toEqual([1, 2, 3, 4, 12, 13]);
    expect(p.threads.map((t) => t.result)).toEqual([10, 0, 1, 2, 100, 101]);
    expect(p.threads.every((t) => t.state === 'exited')).toBe(true);
    expect(p.threadRecords).toEqual({ created: 13, kept: 6, dropped: 7, cap: 3 });
  });

  it('with a cap above the thread count every thread is listed (the old report)', () => {
    const r = build({}, {}, someJoined, 10, 2).run();
    const p = r.processes[0]!;
    expect(p.threads.map((t) => t.id)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(p.threadRecords).toEqual({ created: 13, kept: 13, dropped: 0, cap: 1000 });
  });

  it('live threads at the end are listed however small the cap', () => {
    const r = build({ keepThreadRecords: 0 }, {}, function* main(): Code<void> {
      for (let i = 0; i < 3; i++) yield* join(yield* spawn(brief, i));
      yield* spawn(function* stuck(): Code<void> {
        yield* join(yield* spawn(function* forever(s: Semaphore): Code<void> {
          yield* s.wait(); // never posted
        }, new Semaphore(0, 'never')));
      });
      yield* sleep(1_000);
    }).run();
    expect(r.outcome.kind).toBe('deadlock');
    const p = r.processes[0]!;
    expect(p.threads.map((t) => `${t.id}:${t.name}:${t.state}`)).toEqual(['1:main:exited', '5:stuck:blocked', '6:forever:blocked']);
    expect(p.threadRecords).toEqual({ created: 6, kept: 3, dropped: 3, cap: 0 });
  });

  for (const bad of [-1, 1.5, '10', Infinity]) {
    it(`keepThreadRecords ${String(bad)} is a ConfigError naming the option`, () => {
      expect(() => new Machine({ keepThreadRecords: bad as number })).toThrow(ConfigError);
      expect(() => new Machine({ keepThreadRecords: bad as number })).toThrow(/Machine\.keepThreadRecords/);
    });
  }
});

describe('releasing changes no simulated behaviour', () => {
  for (const [title, p] of MAPPINGS) {
    it(`the same trace hash, end time and instruction count for caps 0, 5 and all (${title})`, () => {
      const runs = [0, 5, Number.MAX_SAFE_INTEGER].map((cap) => build({ keepThreadRecords: cap, cpus: 2, seed: 3 }, { ...p, ...(p.mapping === 'N:1' ? {} : { vcpus: 2 }) }, batches, 294, 7).run());
      for (const r of runs) expect(r.ok).toBe(true);
      const sig = runs.map((r) => [r.traceHash, r.endTime, r.counts.instructions, r.processes[0]!.mainResult]);
      expect(sig[1]).toEqual(sig[0]);
      expect(sig[2]).toEqual(sig[0]);
      expect(runs.map((r) => r.processes[0]!.threadRecords.dropped)).toEqual([294, 289, 0]);
    });
  }
});
