/**
 * Peer `effect-*`: Effect 4 fibers (a dev dependency), the JavaScript fiber library our
 * host benchmarks race. Each case is the closest Effect program to one of ours:
 *  - effect-yield: two fibers each `Effect.yieldNow` K times (unit: one switch, 2K);
 *  - effect-fork:  forkChild N empty fibers, then Fiber.join each (unit: one fiber);
 *  - effect-queue: two Queue.bounded(1) queues, ping and pong, K messages each way
 *    (unit: one message, 2K).
 * Effect's scheduler yields to the host event loop, so every case runs under
 * Effect.runPromise (runSync refuses an async effect) and is measured as an async case.
 */
import { Effect, Fiber, Queue } from 'effect';

export async function effectYield(k: number): Promise<number> {
  const pinger = Effect.gen(function* () {
    for (let i = 0; i < k; i++) yield* Effect.yieldNow;
  });
  const prog = Effect.gen(function* () {
    const a = yield* Effect.forkChild(pinger);
    const b = yield* Effect.forkChild(pinger);
    yield* Fiber.join(a);
    yield* Fiber.join(b);
    return 2 * k;
  });
  return Effect.runPromise(prog);
}

export async function effectFork(n: number): Promise<number> {
  const empty = Effect.void;
  const prog = Effect.gen(function* () {
    const fs = new Array<Fiber.Fiber<void>>(n);
    for (let i = 0; i < n; i++) fs[i] = yield* Effect.forkChild(empty);
    for (let i = 0; i < n; i++) yield* Fiber.join(fs[i] as Fiber.Fiber<void>);
    return n;
  });
  return Effect.runPromise(prog);
}

export async function effectQueue(k: number): Promise<number> {
  const prog = Effect.gen(function* () {
    const ping = yield* Queue.bounded<number>(1);
    const pong = yield* Queue.bounded<number>(1);
    const ponger = yield* Effect.forkChild(Effect.gen(function* () {
      for (let i = 0; i < k; i++) {
        const v = yield* Queue.take(ping);
        yield* Queue.offer(pong, v);
      }
    }));
    let sum = 0;
    for (let i = 0; i < k; i++) {
      yield* Queue.offer(ping, i);
      sum += yield* Queue.take(pong);
    }
    yield* Fiber.join(ponger);
    if (sum !== (k * (k - 1)) / 2) throw new Error(`effect-queue: sum ${sum}`);
    return 2 * k;
  });
  return Effect.runPromise(prog);
}
