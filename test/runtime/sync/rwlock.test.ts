import { describe, expect, it } from 'vitest';
import {
  NotOwnerError, RecursiveLockError, RwLock, compute, join, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf, until } from './fixture';
import { crashMessage, crashOf } from '../../faults';

const SEED = 13;
const { machine, run } = harness(SEED);


describe(`RwLock (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it('readers share, writers exclude everyone', () => {
      const st = { readers: 0, writers: 0, maxReaders: 0, maxWriters: 0, mixed: 0, reads: 0, writes: 0 };
      let rw!: RwLock;
      function* reader(): Code<void> {
        for (let i = 0; i < 6; i++) {
          yield* rw.readLock();
          st.readers++;
          st.maxReaders = Math.max(st.maxReaders, st.readers);
          if (st.writers !== 0) st.mixed++;
          yield* compute(2_000);
          if (st.writers !== 0) st.mixed++;
          st.reads++;
          st.readers--;
          yield* rw.readUnlock();
          yield* compute(200);
        }
      }
      function* writer(): Code<void> {
        for (let i = 0; i < 4; i++) {
          yield* rw.writeLock();
          st.writers++;
          st.maxWriters = Math.max(st.maxWriters, st.writers);
          if (st.readers !== 0) st.mixed++;
          yield* compute(1_000);
          if (st.readers !== 0) st.mixed++;
          st.writes++;
          st.writers--;
          yield* rw.writeUnlock();
          yield* compute(500);
        }
      }
      function* main(): Code<string> {
        rw = new RwLock('rw');
        const ts: Thread[] = [];
        for (let i = 0; i < 4; i++) ts.push(yield* spawn(reader));
        for (let i = 0; i < 2; i++) ts.push(yield* spawn(writer));
        for (const t of ts) yield* join(t);
        return `${st.reads}/${st.writes}`;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe('24/8');
      expect(st.mixed).toBe(0);
      expect(st.maxWriters).toBe(1);
      expect(st.maxReaders).toBeGreaterThanOrEqual(2);
      expect(rw.contended).toBeGreaterThan(0);
      expect(rw.owners()).toEqual([]);
      expect(rw.waiters).toHaveLength(0);
    });

    it('grants FIFO: a reader run, then the writer alone, then the next run (no barging)', () => {
      const log: string[] = [];
      const snap: { readers: number; head: string | undefined }[] = [];
      let rw!: RwLock;
      function* reader(id: string): Code<void> {
        yield* rw.readLock();
        log.push(`+${id}`);
        yield* compute(12_000); // spans ticks, so the other granted reader runs meanwhile
        log.push(`-${id}`);
        yield* rw.readUnlock();
      }
      function* writer(id: string): Code<void> {
        yield* rw.writeLock();
        log.push(`+${id}`);
        yield* compute(3_000);
        log.push(`-${id}`);
        yield* rw.writeUnlock();
      }
      function* main(): Code<void> {
        rw = new RwLock();
        yield* rw.writeLock();
        const plan: [typeof reader, string][] = [[reader, 'R1'], [reader, 'R2'], [writer, 'W3'], [reader, 'R4'], [reader, 'R5']];
        const ts: Thread[] = [];
        for (const [body, id] of plan) {
          ts.push(yield* spawn(body, id));
          yield* until(() => rw.waiters.length === ts.length);
        }
        yield* rw.writeUnlock();
        snap.push({ readers: rw.readers.size, head: rw.waiters.peek()?.mode });
        // A new reader must queue behind W3 even though readers hold the lock.
        yield* rw.readLock();
        log.push('+main');
        yield* rw.readUnlock();
        for (const t of ts) yield* join(t);
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(snap).toEqual([{ readers: 2, head: 'write' }]);
      const at = (e: string): number => log.indexOf(e);
      expect(log).toHaveLength(11);
      expect(Math.max(at('+R1'), at('+R2'))).toBeLessThan(Math.min(at('-R1'), at('-R2'))); // together
      expect(at('+W3')).toBeGreaterThan(Math.max(at('-R1'), at('-R2')));
      expect(at('-W3')).toBe(at('+W3') + 1); // alone
      expect(Math.min(at('+R4'), at('+R5'), at('+main'))).toBeGreaterThan(at('-W3'));
      expect(Math.max(at('+R4'), at('+R5'))).toBeLessThan(Math.min(at('-R4'), at('-R5')));
    });
  });

  it('readUnlock by a thread that is not reading is a NotOwnerError', () => {
    function* other(rw: RwLock): Code<void> {
      yield* rw.readUnlock();
    }
    const m = machine(2, 'fifo', function* main() {
      const rw = new RwLock('rw');
      yield* rw.readLock();
      yield* join(yield* spawn(other, rw));
    });
    expect(crashMessage(m.run())).toMatch(/RwLock\.readUnlock: T\d\(other\) does not hold rw for read \(read by T1\(main\)\)/);
  });

  it('writeUnlock by a reader is a NotOwnerError', () => {
    const m = machine(1, 'lifo-steal', function* main() {
      const rw = new RwLock();
      yield* rw.readLock();
      yield* rw.writeUnlock();
    });
    expect(crashOf(m.run())).toBeInstanceOf(NotOwnerError);
  });

  it('writeLock by the writer is a RecursiveLockError', () => {
    const m = machine(1, 'fifo', function* main() {
      const rw = new RwLock();
      yield* rw.writeLock();
      yield* rw.writeLock();
    });
    expect(crashOf(m.run())).toBeInstanceOf(RecursiveLockError);
  });

  it('writeLock by a reader is a RecursiveLockError', () => {
    const m = machine(2, 'fifo', function* main() {
      const rw = new RwLock();
      yield* rw.readLock();
      yield* rw.writeLock();
    });
    expect(crashMessage(m.run())).toMatch(/RwLock\.writeLock: .* already holds rwlock#\d+ for read/);
  });

  it('a caught misuse error leaves the lock usable', () => {
    function* main(): Code<string> {
      const rw = new RwLock();
      try {
        yield* rw.writeUnlock();
      } catch (e) {
        if (!(e instanceof NotOwnerError)) throw e;
      }
      yield* rw.writeLock();
      yield* rw.writeUnlock();
      yield* rw.readLock();
      yield* rw.readUnlock();
      return 'ok';
    }
    const r = run(2, 'lifo-steal', main);
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe('ok');
  });

  it('a writer waiting for a reader that joins it deadlocks, with the cycle', () => {
    function* w(rw: RwLock): Code<void> {
      yield* rw.writeLock();
    }
    function* main(): Code<void> {
      const rw = new RwLock('table');
      yield* rw.readLock();
      yield* join(yield* spawn(w, rw));
    }
    const d = deadlockOf(run(2, 'fifo', main));
    const wb = d.blocked.find((b) => b.thread.endsWith('(w)'));
    expect(wb?.waitsFor).toBe('rwlock table for write (held by T1(main))');
    expect(wb?.on).toEqual(['T1(main)']);
    expect([...d.cycle].sort()).toEqual(['T1(main)', wb?.thread].sort());
  });
});
