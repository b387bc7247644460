/**
 * Baseline `raw-gen-create` (creation floor): create N empty generators, all alive at
 * once (as the N spawned threads are before main joins them), then run each to
 * completion and collect its result. Unit: one generator. Compare js-peers.md
 * `raw.gen.create.batch1` (30 ns at N = 10k on the reference VM; that one yields once).
 */
function* empty(): Generator<never, number, unknown> {
  return 1;
}

export let createSink = 0;

/** Returns the number of generators created and completed (N). */
export function rawCreateRunCollect(n: number): number {
  const gs: Generator<never, number, unknown>[] = new Array<Generator<never, number, unknown>>(n);
  for (let i = 0; i < n; i++) gs[i] = empty();
  let done = 0;
  for (let i = 0; i < n; i++) {
    const r = (gs[i] as Generator<never, number, unknown>).next();
    if (r.done === true) done += r.value;
  }
  createSink = done;
  return done;
}
