/**
 * Race benchmark programs, part 1: account, bluetooth driver, circular buffer,
 * lock-order deadlock, lazy initialisation. See programs.ts for the catalog, the
 * preemption counts and what random testing finds.
 */
import { Mutex, Semaphore, join, spawn, step } from '../../src/index';
import type { Code } from '../../src/index';
import type { Scenario } from '../../src/testing/index';
import { raceScenario, work } from './common';
import type { Errors, RaceOptions } from './common';

// ---------------------------------------------------------------------------------
// 1. account: a deposit and two withdrawals on one balance. The deposit is a
// read-modify-write, each withdrawal a check-then-act; nothing takes the lock.
// Opening 100, deposit 50, two withdrawals of 80: run one after the other, the second
// withdrawal is declined (70 < 80). Fixed: every operation holds the account's Mutex.

const OPENING = 100;
const DEPOSIT = 50;
const WITHDRAWAL = 80;

interface AccountState extends Errors {
  balance: number;
  withdrawn: number;
  readonly lock: Mutex;
}

export function account(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<AccountState>('account', o, () => ({ errors: [], balance: OPENING, withdrawn: 0, lock: new Mutex('account') }), function* main(s) {
    function* deposit(): Code<void> {
      if (fixed) yield* s.lock.lock();
      const seen = s.balance; // read ...
      yield* step();
      s.balance = seen + DEPOSIT; // ... write back
      yield* step();
      if (fixed) yield* s.lock.unlock();
    }
    function* withdraw(): Code<boolean> {
      if (fixed) yield* s.lock.lock();
      const seen = s.balance; // check ...
      yield* step();
      let ok = false;
      if (seen >= WITHDRAWAL) {
        s.balance = seen - WITHDRAWAL; // ... then act
        yield* step();
        s.withdrawn += WITHDRAWAL;
        yield* step();
        ok = true;
      }
      if (fixed) yield* s.lock.unlock();
      return ok;
    }
    const d = yield* spawn(deposit);
    const w1 = yield* spawn(withdraw);
    const w2 = yield* spawn(withdraw);
    yield* join(d);
    return [yield* join(w1), yield* join(w2)];
  }, (s) => {
    if (s.balance < 0) return `the balance went negative (${s.balance})`;
    if (s.balance !== OPENING + DEPOSIT - s.withdrawn) return `balance ${s.balance} != ${OPENING} + ${DEPOSIT} - ${s.withdrawn} withdrawn: an update was lost`;
    return undefined;
  });
}

// ---------------------------------------------------------------------------------
// 2. bluetooth: the driver of Qadeer and Wu's KISS paper. pendingIo counts the driver's
// users (1 for the driver itself); an adder (a dispatched I/O) enters with ioIncrement,
// which refuses once stoppingFlag is set, and leaves with ioDecrement; the stopper sets
// stoppingFlag, drops the driver's own count and waits for the stopping event that the
// decrement to 0 sets, then marks the driver stopped. The counter updates are
// interlocked (one instruction each), as in the driver. The bug: ioIncrement checks the
// flag and then increments, so an adder that passed the check can increment after the
// stopper saw the count reach 0, and uses a stopped driver. Fixed (the repair KISS
// suggests): increment first, then check the flag and back out if stopping.

interface BluetoothState extends Errors {
  pendingIo: number;
  stoppingFlag: boolean;
  stopped: boolean;
  readonly stoppingEvent: Semaphore;
  used: number;
}

export function bluetooth(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<BluetoothState>('bluetooth', o, () => ({
    errors: [], pendingIo: 1, stoppingFlag: false, stopped: false, stoppingEvent: new Semaphore(0, 'stopping-event'), used: 0,
  }), function* main(s) {
    function* ioDecrement(): Code<void> {
      s.pendingIo -= 1; // InterlockedDecrement: one instruction
      const left = s.pendingIo;
      yield* step();
      if (left === 0) yield* s.stoppingEvent.post();
    }
    function* ioIncrement(): Code<boolean> {
      if (fixed) {
        s.pendingIo += 1; // InterlockedIncrement first ...
        yield* step();
        const stopping = s.stoppingFlag; // ... then the check
        yield* step();
        if (stopping) {
          yield* ioDecrement();
          return false;
        }
        return true;
      }
      const stopping = s.stoppingFlag; // check ...
      yield* step();
      if (stopping) return false;
      s.pendingIo += 1; // ... then increment
      yield* step();
      return true;
    }
    function* adder(): Code<void> {
      if (!(yield* ioIncrement())) return;
      const stopped = s.stopped;
      yield* step();
      if (stopped) s.errors.push('an adder used the driver after it stopped');
      s.used += 1;
      yield* work(2);
      yield* ioDecrement();
    }
    function* stopper(): Code<void> {
      s.stoppingFlag = true;
      yield* step();
      yield* ioDecrement();
      yield* s.stoppingEvent.wait();
      s.stopped = true;
      yield* step();
    }
    const a = yield* spawn(adder);
    const b = yield* spawn(stopper);
    yield* join(a);
    yield* join(b);
    return s.used;
  }, (s) => (s.stopped ? undefined : 'the stopper never saw the driver stop'));
}

// ---------------------------------------------------------------------------------
// 3. circular buffer: a producer and a consumer on a ring of 3 slots. Semaphores count
// free and full slots (correct); the ring's own `count` is a read-modify-write by both
// sides. Fixed: the slot and count updates hold the ring's Mutex.

const RING = 3;
const ITEMS = 5;

interface RingState extends Errors {
  readonly slots: number[];
  head: number;
  tail: number;
  count: number;
  readonly got: number[];
  readonly free: Semaphore;
  readonly full: Semaphore;
  readonly lock: Mutex;
}

export function circularBuffer(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<RingState>('circular buffer', o, () => ({
    errors: [], slots: new Array<number>(RING).fill(0), head: 0, tail: 0, count: 0, got: [],
    free: new Semaphore(RING, 'free'), full: new Semaphore(0, 'full'), lock: new Mutex('ring'),
  }), function* main(s) {
    function* addCount(delta: number): Code<void> {
      const c = s.count; // read ...
      yield* step();
      s.count = c + delta; // ... write
      yield* step();
      if (s.count < 0 || s.count > RING) s.errors.push(`count ${s.count} outside 0..${RING}`);
    }
    function* producer(): Code<void> {
      for (let v = 1; v <= ITEMS; v++) {
        yield* s.free.wait();
        if (fixed) yield* s.lock.lock();
        const t = s.tail;
        yield* step();
        s.slots[t] = v;
        yield* step();
        s.tail = (t + 1) % RING;
        yield* step();
        yield* addCount(+1);
        if (fixed) yield* s.lock.unlock();
        yield* s.full.post();
      }
    }
    function* consumer(): Code<void> {
      for (let i = 0; i < ITEMS; i++) {
        yield* s.full.wait();
        if (fixed) yield* s.lock.lock();
        const h = s.head;
        yield* step();
        const v = s.slots[h] ?? -1;
        yield* step();
        s.head = (h + 1) % RING;
        yield* step();
        yield* addCount(-1);
        if (fixed) yield* s.lock.unlock();
        s.got.push(v);
        yield* s.free.post();
      }
    }
    const p = yield* spawn(producer);
    const c = yield* spawn(consumer);
    yield* join(p);
    yield* join(c);
    return s.got.length;
  }, (s) => {
    if (s.count !== 0) return `the ring's count is ${s.count} with every item consumed: an update was lost`;
    const want = Array.from({ length: ITEMS }, (_, i) => i + 1).join(',');
    if (s.got.join(',') !== want) return `consumed ${s.got.join(',')}, not ${want}`;
    return undefined;
  });
}

// ---------------------------------------------------------------------------------
// 4. lock-order deadlock: T1 takes A then B, T2 takes B then A. Run one after the
// other they finish; a preemption of T1 between its two locks lets T2 take B and block
// on A, and T1 then blocks on B: the failure is the deadlock report itself. Fixed:
// both take A first.

interface LockOrderState extends Errors {
  readonly a: Mutex;
  readonly b: Mutex;
  done: number;
}

export function lockOrder(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<LockOrderState>('lock-order', o, () => ({ errors: [], a: new Mutex('A'), b: new Mutex('B'), done: 0 }), function* main(s) {
    function* both(first: Mutex, second: Mutex): Code<void> {
      yield* first.lock();
      yield* work(2);
      yield* second.lock();
      const d = s.done;
      yield* step();
      s.done = d + 1;
      yield* step();
      yield* second.unlock();
      yield* first.unlock();
    }
    const t1 = yield* spawn(both, s.a, s.b);
    const t2 = fixed ? yield* spawn(both, s.a, s.b) : yield* spawn(both, s.b, s.a);
    yield* join(t1);
    yield* join(t2);
    return s.done;
  }, (s) => (s.done === 2 ? undefined : `${s.done} of 2 threads got both locks`));
}

// ---------------------------------------------------------------------------------
// 5. lazy init: getInstance() checks a shared pointer and builds the object when it is
// null, with no lock, and publishes the pointer before the object is built. Two users
// each get the instance and read it. Two failures: both users see null and build it
// (initialised twice), or one sees the pointer to a half-built object. Fixed:
// double-checked locking done right (check, lock, check again, build, then publish).

interface Instance {
  value: number;
  built: boolean;
}

interface LazyState extends Errors {
  instance: Instance | null;
  inits: number;
  readonly lock: Mutex;
}

export function lazyInit(o: RaceOptions): Scenario {
  const fixed = o.fixed === true;
  return raceScenario<LazyState>('lazy init', o, () => ({ errors: [], instance: null, inits: 0, lock: new Mutex('init') }), function* main(s) {
    function* build(publishEarly: boolean): Code<Instance> {
      const made: Instance = { value: 0, built: false };
      s.inits += 1;
      if (publishEarly) s.instance = made;
      yield* step();
      made.value = 42;
      yield* step();
      made.built = true;
      yield* step();
      if (!publishEarly) {
        s.instance = made;
        yield* step();
      }
      return made;
    }
    function* getInstance(): Code<Instance> {
      const seen = s.instance; // check ...
      yield* step();
      if (seen !== null) return seen;
      if (!fixed) return yield* build(true); // ... then act
      yield* s.lock.lock();
      const again = s.instance;
      yield* step();
      const got = again ?? (yield* build(false));
      yield* s.lock.unlock();
      return got;
    }
    function* user(id: number): Code<number> {
      const inst = yield* getInstance();
      const built = inst.built;
      yield* step();
      const value = inst.value;
      yield* step();
      if (!built || value !== 42) s.errors.push(`user ${id} saw a half-built instance (built ${String(built)}, value ${value})`);
      return value;
    }
    const u1 = yield* spawn(user, 1);
    const u2 = yield* spawn(user, 2);
    return (yield* join(u1)) + (yield* join(u2));
  }, (s) => (s.inits === 1 ? undefined : `the instance was initialised ${s.inits} times`));
}
