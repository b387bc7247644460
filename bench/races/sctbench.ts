/**
 * Race benchmark programs, part 2 (after SCTBench's CS suite): reorder-N, stack, token
 * ring, two-stage, wrong lock. See programs.ts for the catalog, the preemption counts
 * and what random testing finds.
 */
import { Mutex, join, spawn, step } from '../../src/index';
import type { Code, Thread } from '../../src/index';
import type { Scenario } from '../../src/testing/index';
import { raceScenario, spawnJoin, work } from './common';
import type { Errors, RaceOptions } from './common';

// ---------------------------------------------------------------------------------
// 6. reorder-N: n - 1 setters each write a = 1, work, then b = -1; one checker, spawned
// last, reads a and then b and asserts (a == 0 && b == 0) || (a == 1 && b == -1).
// Fixed: setters and checker hold one Mutex around their accesses.

export interface ReorderOptions extends RaceOptions {
  /** Threads in all: n - 1 setters and the checker (default 3; at least 2). */
  readonly n?: number;
}

interface ReorderState extends Errors {
  a: number;
  b: number;
  readonly lock: Mutex;
}

export function reorderScenario(o: ReorderOptions): Scenario {
  const n = o.n ?? 3;
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`reorder: n must be an integer >= 2, got ${String(n)}`);
  const fixed = o.fixed === true;
  return raceScenario<ReorderState>(`reorder-${n}`, o, () => ({ errors: [], a: 0, b: 0, lock: new Mutex('ab') }), function* main(s) {
    function* setter(): Code<void> {
      if (fixed) yield* s.lock.lock();
      s.a = 1;
      yield* step();
      yield* work(2);
      s.b = -1;
      yield* step();
      if (fixed) yield* s.lock.unlock();
    }
    function* checker(): Code<void> {
      if (fixed) yield* s.lock.lock();
      const a = s.a;
      yield* step();
      const b = s.b;
      yield* step();
      if (fixed) yield* s.lock.unlock();
      if (!((a === 0 && b === 0) || (a === 1 && b === -1))) s.errors.push(`the checker saw a = ${a}, b = ${b}`);
    }
    const bodies: (() => Code<void>)[] = [];
    for (let i = 0; i < n - 1; i++) bodies.push(setter);
    bodies.push(checker);
    yield* spawnJoin(bodies);
    return n;
  }, () => undefined);
}

/** The reorder program with n threads, as a catalog maker. */
export function reorder(n = 3): (o: RaceOptions) => Scenario {
  return (o) => reorderScenario({ ...o, n });
}

// ---------------------------------------------------------------------------------
// 7. stack: push and pop under a Mutex, but pop checks the size before it takes the
// lock. A pusher pushes 1 and 2; two poppers pop twice each (a pop of an empty stack
// returns nothing). Run one after the other, the first popper gets 2 and 1 and the
// second finds the stack empty; a popper preempted between its size check and its lock
// pops an empty stack. Fixed: the check is under the lock.

interface StackState extends Errors {
  readonly items: number[];
  top: number;
  readonly popped: number[];
  readonly lock: Mutex;
}

export function stack(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<StackState>('stack', o, () => ({ errors: [], items: [0, 0, 0, 0], top: 0, popped: [], lock: new Mutex('stack') }), function* main(s) {
    function* push(v: number): Code<void> {
      yield* s.lock.lock();
      const t = s.top;
      yield* step();
      s.items[t] = v;
      yield* step();
      s.top = t + 1;
      yield* step();
      yield* s.lock.unlock();
    }
    function* pop(who: number): Code<void> {
      if (!fixed) {
        const size = s.top; // the size check, outside the lock
        yield* step();
        if (size === 0) return;
      }
      yield* s.lock.lock();
      const t = s.top;
      yield* step();
      if (fixed && t === 0) {
        yield* s.lock.unlock();
        return;
      }
      if (t === 0) s.errors.push(`popper ${who} popped an empty stack`);
      else s.popped.push(s.items[t - 1] ?? -1);
      s.top = Math.max(0, t - 1);
      yield* step();
      yield* s.lock.unlock();
    }
    function* pusher(): Code<void> {
      yield* push(1);
      yield* push(2);
    }
    function* popper(who: number): Code<void> {
      yield* pop(who);
      yield* pop(who);
    }
    yield* spawnJoin([pusher, () => popper(1), () => popper(2)]);
    return s.popped.length;
  }, (s) => {
    // whatever the order, each pushed value is popped once or still on the stack
    const left = s.items.slice(0, s.top);
    const all = [...s.popped, ...left].sort().join(',');
    return all === '1,2' ? undefined : `popped [${s.popped.join(',')}] with [${left.join(',')}] left: not 1 and 2 once each`;
  });
}

// ---------------------------------------------------------------------------------
// 8. token ring: 3 nodes and 2 tokens. Node i's mailbox counts the tokens waiting at
// i; a node that finds one takes it (mailbox[i] - 1) and passes it on
// (mailbox[i + 1] + 1), both plain read-modify-writes, 3 times. The ring invariant: 2
// tokens, always. A node preempted between reading and writing its mailbox while its
// predecessor passes a token into it writes back a stale count: a token is lost (or,
// the other way round, duplicated). Fixed: each mailbox update holds the ring's Mutex.

const NODES = 3;
const TOKENS = 2;
const TURNS = 3;

interface TokenState extends Errors {
  readonly mail: number[];
  passes: number;
  readonly lock: Mutex;
}

export function tokenRing(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<TokenState>('token ring', o, () => ({ errors: [], mail: [1, 0, 1], passes: 0, lock: new Mutex('ring') }), function* main(s) {
    /** mailbox[i] += delta unless that would go negative; returns whether it changed. */
    function* update(i: number, delta: number): Code<boolean> {
      if (fixed) yield* s.lock.lock();
      const m = s.mail[i] ?? 0; // read ...
      yield* step();
      const ok = m + delta >= 0;
      if (ok) {
        s.mail[i] = m + delta; // ... write
        yield* step();
      }
      if (fixed) yield* s.lock.unlock();
      return ok;
    }
    function* node(i: number): Code<void> {
      for (let turn = 0; turn < TURNS; turn++) {
        if (!(yield* update(i, -1))) continue; // no token here
        yield* work(1);
        yield* update((i + 1) % NODES, +1);
        s.passes += 1;
      }
    }
    const ts: Thread<void>[] = [];
    for (let i = 0; i < NODES; i++) ts.push(yield* spawn(node, i));
    for (const t of ts) yield* join(t);
    return s.passes;
  }, (s) => {
    const held = s.mail.reduce((a, b) => a + b, 0);
    return held === TOKENS ? undefined : `the ring holds ${held} tokens (mailboxes ${s.mail.join(',')}), not ${TOKENS}`;
  });
}

// ---------------------------------------------------------------------------------
// 9. two-stage: stage 1 sets data1 under lock 1; stage 2 reads data1 and sets
// data2 = data1 + 1 under lock 2. A reader reads data1 under lock 1 and data2 under
// lock 2, and expects data2 == data1 + 1 once data1 is set. The writer preempted
// between its stages lets the reader see stage 1 without stage 2. Fixed: the writer
// holds lock 1 across both stages and the reader holds it across both reads.

interface TwoStageState extends Errors {
  data1: number;
  data2: number;
  readonly l1: Mutex;
  readonly l2: Mutex;
}

export function twoStage(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<TwoStageState>('two-stage', o, () => ({ errors: [], data1: 0, data2: 0, l1: new Mutex('stage1'), l2: new Mutex('stage2') }), function* main(s) {
    function* writer(): Code<void> {
      yield* s.l1.lock();
      s.data1 = 1; // stage 1
      yield* step();
      if (!fixed) yield* s.l1.unlock();
      yield* s.l2.lock();
      const d1 = s.data1; // stage 2
      yield* step();
      s.data2 = d1 + 1;
      yield* step();
      yield* s.l2.unlock();
      if (fixed) yield* s.l1.unlock();
    }
    function* reader(): Code<void> {
      yield* s.l1.lock();
      const t1 = s.data1;
      yield* step();
      if (!fixed) yield* s.l1.unlock();
      if (t1 === 0) {
        if (fixed) yield* s.l1.unlock();
        return;
      }
      yield* s.l2.lock();
      const t2 = s.data2;
      yield* step();
      yield* s.l2.unlock();
      if (fixed) yield* s.l1.unlock();
      if (t2 !== t1 + 1) s.errors.push(`the reader saw data1 = ${t1} but data2 = ${t2}: stage 1 without its stage 2`);
    }
    yield* spawnJoin([writer, reader]);
    return s.data2;
  }, (s) => (s.data2 === 2 ? undefined : `data2 = ${s.data2} at the end`));
}

// ---------------------------------------------------------------------------------
// 10. wrong lock: two threads increment one counter twice each, each under its own
// Mutex, so the locks exclude nothing. Fixed: both use the same Mutex.

interface WrongLockState extends Errors {
  counter: number;
  readonly m1: Mutex;
  readonly m2: Mutex;
}

export function wrongLock(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<WrongLockState>('wrong lock', o, () => ({ errors: [], counter: 0, m1: new Mutex('m1'), m2: new Mutex('m2') }), function* main(s) {
    function* incrementer(m: Mutex): Code<void> {
      for (let i = 0; i < 2; i++) {
        yield* m.lock();
        const c = s.counter; // read ...
        yield* step();
        s.counter = c + 1; // ... write
        yield* step();
        yield* m.unlock();
      }
    }
    yield* spawnJoin([() => incrementer(s.m1), () => incrementer(fixed ? s.m1 : s.m2)]);
    return s.counter;
  }, (s) => (s.counter === 4 ? undefined : `counter ${s.counter} after 4 locked increments: the two locks excluded nothing`));
}
