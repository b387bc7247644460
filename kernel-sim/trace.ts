/**
 * Run trace: a running FNV-1a-style hash (word-wise) over every trace event (interrupts, dispatches,
 * upcalls, syscalls, thread switches), plus an optional list of the events. Two runs
 * with the same inputs, seed and decisions must give the same hash (determinism test).
 *
 * Invariants:
 *  1. The hash covers kind, time, cpu and two integer operands of every event.
 *  2. Recording the list is optional and never changes the hash.
 *  3. A kind starting with `~` is a note (src/trace: spawn, wake, user-level block): it
 *     goes only to the listener, never into the hash, the count or the list, so recording
 *     a run never changes what it computes. With no listener a note costs one compare.
 */

/** Told of every event and note (src/trace/recorder.ts), after the hash took it. */
export type TraceListener = (time: number, cpu: number, kind: string, a: number, b: number) => void;
export interface TraceEvent {
  readonly time: number;
  readonly cpu: number;
  readonly kind: string;
  readonly a: number;
  readonly b: number;
}

export class Trace {
  hash = 0x811c9dc5;
  count = 0;
  readonly events: TraceEvent[] | null;
  private readonly kindIds = new Map<string, number>();
  private lastKind: string | null = null;
  private lastId = 0;

  constructor(record: boolean, private readonly limit = 1_000_000) {
    this.events = record ? [] : null;
  }

  listener: TraceListener | null = null;

  add(time: number, cpu: number, kind: string, a: number, b: number): void {
    // Runs of one kind are common (a ping-pong traces only switches): the last kind's id
    // is kept, and a literal kind compares by identity before any map lookup.
    let k: number | undefined;
    if (kind === this.lastKind) k = this.lastId;
    else {
      k = this.kindIds.get(kind);
      if (k === undefined) {
        k = kind.charCodeAt(0) === 126 ? NOTE : hashString(kind); // '~': a note (invariant 3)
        this.kindIds.set(kind, k);
      }
      this.lastKind = kind;
      this.lastId = k;
    }
    if (k === NOTE) {
      if (this.listener !== null) this.listener(time, cpu, kind.slice(1), a, b);
      return;
    }
    let h = this.hash;
    h = mix(h, k);
    // The low word: mix takes it through ToInt32, which is `trunc(time) mod 2^32` for the
    // time >= 0 of every event, exactly what `time % 2^32` gave (without a float modulo).
    h = mix(h, time);
    h = mix(h, time < 0x100000000 ? 0 : Math.floor(time / 0x100000000));
    h = mix(h, cpu);
    h = mix(h, a | 0);
    h = mix(h, b | 0);
    this.hash = h;
    this.count++;
    if (this.events !== null && this.events.length < this.limit) this.events.push({ time, cpu, kind, a, b });
    if (this.listener !== null) this.listener(time, cpu, kind, a, b);
  }

  hex(): string {
    return (this.hash >>> 0).toString(16).padStart(8, '0');
  }
}

/** The kind id of a note (hashString never returns it: its ids are unsigned). */
const NOTE = -1;

/** FNV-1a over 32-bit words (one multiply per word), then a rotate to spread bits. */
function mix(h: number, v: number): number {
  h = Math.imul(h ^ v, 0x01000193);
  return (h << 13) | (h >>> 19);
}

function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
