/**
 * Baseline `raw-gen-step` (frame floor): the loop `for (i < K) yield* step()` over a bare
 * generator, where `step` is a generator that yields once, run to completion by a bare
 * `.next()` loop. At depth d the loop sits d `yield*` frames below the driven generator,
 * as a thread's loop sits inside d helper functions. Unit: one `step()`.
 */
function* step(): Generator<number, void, unknown> {
  yield 1;
}

function* loop(k: number): Generator<number, void, unknown> {
  for (let i = 0; i < k; i++) yield* step();
}

function* nest(d: number, k: number): Generator<number, void, unknown> {
  if (d === 0) yield* loop(k);
  else yield* nest(d - 1, k);
}

export let stepSink = 0;

/** Returns the number of steps taken (K). */
export function rawStepLoop(k: number, depth: number): number {
  const g = nest(depth, k);
  let n = 0;
  while (g.next().done !== true) n++;
  stepSink = n;
  return n;
}
