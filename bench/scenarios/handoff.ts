/**
 * Scenarios `mutex-handoff` and `channel-pingpong`: the contended paths of the sync
 * primitives, under a bench configuration (1 CPU).
 *  - mutex-handoff: two threads pass one Mutex back and forth. The first takes it and
 *    yields so that the second blocks on it; from then on each thread unlocks (handing
 *    the mutex to the other, which is blocked on it) and locks again (blocking until it
 *    is handed back). One hand-off is one unlock + one lock + one switch, so it compares
 *    directly with a yield switch. Unit: one hand-off (2K).
 *  - channel-pingpong: two Channel(1)s, ping and pong; one thread sends K values and
 *    receives each back from the other. Unit: one message (2K), as effect-queue.
 */
import { Channel, Machine, Mutex, join, spawn, yieldNow } from '../../src/index';
import type { Code } from '../../src/index';
import { DEFAULT_CONFIG } from './configs';
import type { BenchConfig } from './configs';
import type { MachineRun } from './spawn-join';

export const HANDOFF_K = 20_000;

function* first(m: Mutex, k: number): Code<void> {
  yield* m.lock();
  yield* yieldNow(); // the other thread runs and blocks on m
  for (let i = 0; i < k; i++) {
    yield* m.unlock(); // hand-off to the other
    yield* m.lock(); // blocks until it hands m back
  }
  yield* m.unlock();
}

function* second(m: Mutex, k: number): Code<void> {
  yield* m.lock();
  for (let i = 1; i < k; i++) {
    yield* m.unlock();
    yield* m.lock();
  }
  yield* m.unlock();
}

function* mutexMain(k: number): Code<void> {
  const m = new Mutex('bench');
  const a = yield* spawn(first, m, k);
  const b = yield* spawn(second, m, k);
  yield* join(a);
  yield* join(b);
}

function* ponger(ping: Channel<number>, pong: Channel<number>, k: number): Code<void> {
  for (let i = 0; i < k; i++) yield* pong.send(yield* ping.recv());
}

function* channelMain(k: number): Code<number> {
  const ping = new Channel<number>(1, 'ping');
  const pong = new Channel<number>(1, 'pong');
  const t = yield* spawn(ponger, ping, pong, k);
  let sum = 0;
  for (let i = 0; i < k; i++) {
    yield* ping.send(i);
    sum += yield* pong.recv();
  }
  yield* join(t);
  return sum;
}

export function mutexHandoff(k: number = HANDOFF_K, cfg: BenchConfig = DEFAULT_CONFIG): MachineRun {
  const r = new Machine({ cpus: 1 }).process(cfg.process, mutexMain, k).run();
  if (!r.ok) throw new Error(`mutex-handoff(${k}, ${cfg.id}): run ended ${JSON.stringify(r.outcome)}`);
  const switches = r.processes[0]?.threadSwitches ?? 0;
  if (switches < 2 * k) throw new Error(`mutex-handoff(${k}, ${cfg.id}): only ${switches} switches for ${2 * k} hand-offs`);
  return { units: 2 * k, report: r };
}

export function channelPingPong(k: number = HANDOFF_K, cfg: BenchConfig = DEFAULT_CONFIG): MachineRun {
  const r = new Machine({ cpus: 1 }).process(cfg.process, channelMain, k).run();
  if (!r.ok) throw new Error(`channel-pingpong(${k}, ${cfg.id}): run ended ${JSON.stringify(r.outcome)}`);
  const got = r.processes[0]?.threads[0]?.result;
  if (got !== (k * (k - 1)) / 2) throw new Error(`channel-pingpong(${k}, ${cfg.id}): sum ${String(got)}`);
  return { units: 2 * k, report: r };
}
