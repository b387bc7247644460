/**
 * Baseline `raw-gen-rr2` (switch floor): two plain generators `for (;;) yield 0`,
 * resumed alternately by a bare loop, 2K `.next()` calls in all. Unit: one resume
 * (one switch). Matches js-peers.md `raw.gen.rr2` (14 ns at 100k on the reference VM).
 */
function* g(): Generator<number, never, unknown> {
  for (;;) yield 0;
}

export let rawSink = 0;

/** Returns the number of switches done (2K). */
export function rawRoundRobin2(k: number): number {
  const a = g();
  const b = g();
  let acc = 0;
  for (let i = 0; i < k; i++) {
    acc += a.next().value;
    acc += b.next().value;
  }
  rawSink = acc;
  return 2 * k;
}
