/**
 * Baseline `raw-gen-channel` (hand-off floor): two bare generators pass K messages each
 * way through two hand-written one-slot channels, driven by a minimal run-queue loop.
 * A generator that finds its channel empty (or full) yields `PARK`; the loop resumes the
 * other one. Unit: one message. This is the least a green-thread channel can cost in V8:
 * a slot, a flag, and one generator resume per hand-off.
 */
const PARK = 0;

class Slot {
  full = false;
  value = 0;
}

function* pinger(k: number, out: Slot, back: Slot): Generator<number, number, unknown> {
  let sum = 0;
  for (let i = 0; i < k; i++) {
    while (out.full) yield PARK;
    out.value = i;
    out.full = true;
    while (!back.full) yield PARK;
    sum += back.value;
    back.full = false;
  }
  return sum;
}

function* ponger(k: number, inp: Slot, back: Slot): Generator<number, number, unknown> {
  for (let i = 0; i < k; i++) {
    while (!inp.full) yield PARK;
    const v = inp.value;
    inp.full = false;
    while (back.full) yield PARK;
    back.value = v;
    back.full = true;
  }
  return k;
}

export let channelSink = 0;

/** Returns the number of messages moved (2K: K pings and K pongs). */
export function rawChannelPingPong(k: number): number {
  const ping = new Slot();
  const pong = new Slot();
  const a = pinger(k, ping, pong);
  const b = ponger(k, ping, pong);
  let aDone = false;
  let bDone = false;
  let sum = 0;
  while (!aDone || !bDone) {
    if (!aDone) {
      const r = a.next();
      if (r.done === true) { aDone = true; sum = r.value; }
    }
    if (!bDone) bDone = b.next().done === true;
  }
  channelSink = sum;
  return 2 * k;
}
