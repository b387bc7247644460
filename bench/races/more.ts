/**
 * Race benchmark programs, part 3: lost wake-up, the two-vCPU check-then-act, and a
 * 20-thread program. See programs.ts for the catalog, the preemption counts and what
 * random testing finds.
 */
import { Cond, Mutex, compute, now, step } from '../../src/index';
import type { Code } from '../../src/index';
import type { Scenario } from '../../src/testing/index';
import { raceScenario, spawnJoin, work } from './common';
import type { Errors, RaceOptions } from './common';

// ---------------------------------------------------------------------------------
// 11. lost wake-up: the waiter checks `ready` without holding the mutex, then locks it
// and waits on the Cond; the signaller sets `ready` and signals. Waiter first (the
// spawn order), the waiter is asleep before the signal and is woken. A preemption of
// the waiter between its check and its wait lets the signal go to nobody, and the
// waiter sleeps forever: main's join and the waiter are blocked, the run ends in a
// deadlock report. Fixed: the waiter checks in a loop holding the mutex, and the
// signaller sets `ready` holding it.

interface WakeState extends Errors {
  ready: boolean;
  woken: boolean;
  readonly m: Mutex;
  readonly c: Cond;
}

export function lostWakeup(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<WakeState>('lost wake-up', o, () => ({ errors: [], ready: false, woken: false, m: new Mutex('m'), c: new Cond('ready') }), function* main(s) {
    function* waiter(): Code<void> {
      if (fixed) {
        yield* s.m.lock();
        for (;;) {
          const r = s.ready;
          yield* step();
          if (r) break;
          yield* s.c.wait(s.m);
        }
        yield* s.m.unlock();
      } else {
        const r = s.ready; // check, without the mutex ...
        yield* step();
        if (!r) {
          yield* s.m.lock(); // ... then wait: a signal in between is lost
          yield* s.c.wait(s.m);
          yield* s.m.unlock();
        }
      }
      s.woken = true;
      yield* step();
    }
    function* signaller(): Code<void> {
      if (fixed) yield* s.m.lock();
      s.ready = true;
      yield* step();
      yield* s.c.signal();
      if (fixed) yield* s.m.unlock();
    }
    yield* spawnJoin([waiter, signaller]);
    return s.woken;
  }, (s) => (s.woken ? undefined : 'the waiter never woke'));
}

// ---------------------------------------------------------------------------------
// 12. two-vCPU check-then-act: two threads try to enter a critical section through a
// flag protocol with no lock (Dijkstra's first attempt: check the other's flag, then
// raise your own), made safe on a uniprocessor the way restartable atomic sequences
// are: a thread reads the clock in the step of its check and in the step of its set,
// and if more time passed than the steps between take (THINK + the clock read), it was
// preempted in between: it lowers its flag again. On one vCPU nobody else can run
// between the check and the set without that thread being preempted, so the pair is
// atomic and the protocol is correct under every schedule. On two vCPUs both threads
// can check at once, each see the other's flag down, and both enter. An attempt that
// finds the other's flag up, or was preempted, is a miss (no waiting, so no schedule
// can starve anyone); each thread makes ROUNDS attempts. Thread 2 starts DELAY ns late,
// so in the untested schedule thread 1 is done before thread 2 begins. Fixed: a Mutex.

/** Work between the check and the set (ns). */
const THINK = 100;
/** Allowed clock skew beyond the steps (ns); a preemption costs far more (> 250 ns). */
const SLACK = 20;
/** Thread 2's late start (ns). */
const DELAY = 2_000;
const ROUNDS = 3;

interface FlagState extends Errors {
  readonly flag: number[];
  inside: number;
  entries: number;
  misses: number;
  readonly lock: Mutex;
}

export function twoVcpuFlags(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<FlagState>('two-vCPU flags', o, () => ({ errors: [], flag: [0, 0], inside: 0, entries: 0, misses: 0, lock: new Mutex('cs') }), function* main(s) {
    /** One attempt to enter; true: entered (the flag is up). */
    function* tryEnter(me: number): Code<boolean> {
      const busy = s.flag[1 - me]; // check, and in the same step ...
      const t0 = yield* now(); // ... read the clock
      if (busy !== 0) return false;
      yield* compute(THINK);
      s.flag[me] = 1; // act, and in the same step ...
      const t1 = yield* now(); // ... read the clock
      if (t1 - t0 <= THINK + SLACK) return true; // not preempted between the check and the set
      s.flag[me] = 0; // preempted in between: back out
      yield* step();
      return false;
    }
    function* thread(me: number): Code<void> {
      if (me === 1) yield* compute(DELAY);
      for (let r = 0; r < ROUNDS; r++) {
        if (fixed) yield* s.lock.lock();
        else if (!(yield* tryEnter(me))) {
          s.misses += 1;
          yield* step();
          continue;
        }
        s.inside += 1;
        s.entries += 1;
        if (s.inside > 1) s.errors.push(`both threads in the critical section (thread ${me + 1}, round ${r + 1})`);
        yield* step();
        yield* compute(THINK);
        s.inside -= 1;
        yield* step();
        if (fixed) yield* s.lock.unlock();
        else {
          s.flag[me] = 0;
          yield* step();
        }
        yield* work(1);
      }
    }
    yield* spawnJoin([() => thread(0), () => thread(1)]);
    return s.entries;
  }, (s) => (s.entries + s.misses === 2 * ROUNDS ? undefined : `${s.entries} entries and ${s.misses} misses of ${2 * ROUNDS} attempts`));
}

// ---------------------------------------------------------------------------------
// 13. twenty threads: 20 workers each add 1 to a shared total under a Mutex, with a
// few instructions of work inside the critical section: correct locked work, except
// that worker 0 forgot the lock, the one racy update among them. It is spawned first,
// so in the untested schedule it is done before any other worker (or vCPU) starts; a
// preemption between its read and its write lets the others add theirs, and its write
// of a stale total loses them. Fixed: worker 0 takes the lock too.

const WORKERS = 20;

interface TwentyState extends Errors {
  total: number;
  readonly order: number[];
  readonly lock: Mutex;
}

export function twentyThreads(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<TwentyState>('twenty threads', o, () => ({ errors: [], total: 0, order: [], lock: new Mutex('total') }), function* main(s) {
    function* worker(id: number): Code<void> {
      const careless = id === 0 && !fixed;
      if (!careless) yield* s.lock.lock();
      const v = s.total; // read ...
      yield* step();
      s.total = v + 1; // ... write
      yield* step();
      s.order.push(id);
      yield* step();
      if (!careless) yield* s.lock.unlock();
    }
    const bodies: (() => Code<void>)[] = [];
    for (let i = 0; i < WORKERS; i++) bodies.push(() => worker(i));
    yield* spawnJoin(bodies);
    return s.total;
  }, (s) => (s.total === WORKERS ? undefined : `total ${s.total} after ${WORKERS} workers added 1 each: ${WORKERS - s.total} update(s) lost to worker 0's unlocked one`));
}
