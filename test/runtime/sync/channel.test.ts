import { describe, expect, it } from 'vitest';
import {
  ArgumentError, Channel, compute, join, sleep, spawn,
} from '../../../src/index';
import type { Code, Thread } from '../../../src/index';
import { MATRIX, harness, deadlockOf, until } from './fixture';
import { crashOf } from '../../faults';

const SEED = 19;
const { machine, run } = harness(SEED);


describe(`Channel (integration, seed ${SEED})`, () => {
  describe.each(MATRIX)('vcpus=$vcpus policy=$policy', ({ vcpus, policy }) => {
    it.each([0, 1, 3])('capacity %i: messages arrive in FIFO order, buffer never over capacity', (cap) => {
      const N = 25;
      let maxBuffered = 0;
      let ch!: Channel<number>;
      function* producer(): Code<void> {
        for (let i = 0; i < N; i++) {
          yield* ch.send(i);
          maxBuffered = Math.max(maxBuffered, ch.buffered);
          yield* compute(100 + (i % 4) * 300);
        }
      }
      function* main(): Code<number[]> {
        ch = new Channel<number>(cap);
        const p = yield* spawn(producer);
        const got: number[] = [];
        for (let i = 0; i < N; i++) {
          got.push(yield* ch.recv());
          maxBuffered = Math.max(maxBuffered, ch.buffered);
          yield* compute(900 - (i % 3) * 300);
        }
        yield* join(p);
        return got;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toEqual(Array.from({ length: N }, (_, i) => i));
      expect(maxBuffered).toBeLessThanOrEqual(cap);
      expect(ch.buffered).toBe(0);
    });

    it('many senders, many receivers: every message delivered once, per-sender FIFO', () => {
      const SENDERS = 3;
      const RECEIVERS = 2;
      const PER = 10;
      const got: string[][] = [];
      let ch!: Channel<string>;
      function* sender(s: number): Code<void> {
        for (let i = 0; i < PER; i++) {
          yield* ch.send(`${s}:${i}`);
          yield* compute(250 * (s + 1));
        }
      }
      function* receiver(r: number, n: number): Code<void> {
        const mine: string[] = [];
        got[r] = mine;
        for (let i = 0; i < n; i++) {
          mine.push(yield* ch.recv());
          yield* compute(400);
        }
      }
      function* main(): Code<void> {
        ch = new Channel<string>(2);
        const ts: Thread[] = [];
        for (let r = 0; r < RECEIVERS; r++) ts.push(yield* spawn(receiver, r, (SENDERS * PER) / RECEIVERS));
        for (let s = 0; s < SENDERS; s++) ts.push(yield* spawn(sender, s));
        for (const t of ts) yield* join(t);
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      const all = got.flat();
      expect(all).toHaveLength(SENDERS * PER);
      expect(new Set(all).size).toBe(SENDERS * PER);
      for (const mine of got) {
        for (let s = 0; s < SENDERS; s++) {
          const seq = mine.filter((m) => m.startsWith(`${s}:`)).map((m) => Number(m.split(':')[1]));
          expect(seq).toEqual([...seq].sort((a, b) => a - b));
        }
      }
      expect(ch.senders).toHaveLength(0);
      expect(ch.receivers).toHaveLength(0);
    });

    it('a full channel blocks the sender after exactly `capacity` sends', () => {
      const CAP = 3;
      let sent = 0;
      let ch!: Channel<number>;
      function* producer(): Code<void> {
        for (let i = 0; i < 6; i++) {
          yield* ch.send(i);
          sent++;
        }
      }
      function* main(): Code<number[]> {
        ch = new Channel<number>(CAP, 'pipe');
        const p = yield* spawn(producer);
        yield* until(() => ch.senders.length === 1);
        yield* sleep(20_000);
        const seen = [sent, ch.buffered];
        const first = yield* ch.recv(); // moves the blocked sender's value into the buffer
        seen.push(first, ch.buffered, ch.senders.length);
        for (let i = 1; i < 6; i++) seen.push(yield* ch.recv());
        yield* join(p);
        seen.push(sent);
        return seen;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toEqual([CAP, CAP, 0, CAP, 0, 1, 2, 3, 4, 5, 6]);
    });

    it('unbuffered: send completes only at the rendezvous with a receiver', () => {
      const events: string[] = [];
      let ch!: Channel<string>;
      function* producer(): Code<void> {
        yield* ch.send('a');
        events.push('sent a');
        yield* ch.send('b');
        events.push('sent b');
      }
      function* main(): Code<void> {
        ch = new Channel<string>(0);
        const p = yield* spawn(producer);
        yield* until(() => ch.senders.length === 1);
        yield* sleep(20_000);
        events.push(`buffered ${ch.buffered}`);
        events.push(`got ${yield* ch.recv()}`);
        yield* until(() => ch.senders.length === 1);
        yield* sleep(20_000);
        events.push(`got ${yield* ch.recv()}`);
        yield* join(p);
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(events.slice(0, 2)).toEqual(['buffered 0', 'got a']);
      expect(events.indexOf('sent a')).toBeGreaterThan(events.indexOf('got a'));
      expect(events.indexOf('sent b')).toBeGreaterThan(events.indexOf('sent a'));
      expect(events).toContain('got b');
      expect(events).toHaveLength(5);
    });

    it('a send to a blocked receiver hands the value over directly', () => {
      const got: number[] = [];
      let ch!: Channel<number>;
      function* receiver(): Code<void> {
        got.push(yield* ch.recv());
      }
      function* main(): Code<number> {
        ch = new Channel<number>(4);
        const ts: Thread[] = [];
        for (let i = 0; i < 3; i++) ts.push(yield* spawn(receiver));
        yield* until(() => ch.receivers.length === 3);
        for (let i = 0; i < 3; i++) yield* ch.send(10 + i);
        const buffered = ch.buffered; // nothing went through the buffer
        for (const t of ts) yield* join(t);
        return buffered;
      }
      const r = run(vcpus, policy, main);
      expect(r.outcome.kind).toBe('completed');
      expect(r.processes[0]?.mainResult).toBe(0);
      expect([...got].sort()).toEqual([10, 11, 12]);
    });
  });

  it.each([-1, 0.5, Number.POSITIVE_INFINITY])('new Channel(%s) inside a thread is an ArgumentError', (c) => {
    const m = machine(1, 'fifo', function* main() {
      yield* sleep(0);
      return new Channel<number>(c);
    });
    expect(crashOf(m.run())).toBeInstanceOf(ArgumentError);
  });

  it('recv on an empty channel nobody sends to deadlocks, naming the thread and the channel', () => {
    function* main(): Code<number> {
      const ch = new Channel<number>(2, 'inbox');
      return yield* ch.recv();
    }
    const d = deadlockOf(run(1, 'fifo', main));
    expect(d.blocked).toEqual([{ thread: 'T1(main)', process: 'p0', waitsFor: 'channel inbox to recv', on: [] }]);
  });

  it('send on a full channel nobody reads deadlocks', () => {
    function* filler(ch: Channel<number>): Code<void> {
      for (let i = 0; i < 3; i++) yield* ch.send(i);
    }
    function* main(): Code<void> {
      const ch = new Channel<number>(2, 'out');
      yield* join(yield* spawn(filler, ch));
    }
    const d = deadlockOf(run(2, 'lifo-steal', main));
    const f = d.blocked.find((b) => b.thread.endsWith('(filler)'));
    expect(f?.waitsFor).toBe('channel out to send');
  });
});
