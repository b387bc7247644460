/**
 * Channel: a bounded FIFO of messages with blocking send and recv, guarded by a
 * spinlock word taken while disabled. capacity 0 is an unbuffered rendezvous: a send
 * completes only when a receiver takes the value. A blocked sender keeps its value in
 * its waiter record until a receiver moves it into the buffer (or takes it directly).
 *
 * Invariants:
 *  1. buffer.length <= capacity at all times.
 *  2. senders non-empty implies the buffer is full; receivers non-empty implies the
 *     buffer and senders are empty (so no message waits while a receiver does).
 *  3. Message order is FIFO: buffered values come before blocked senders' values, and
 *     blocked senders are served in arrival order; a receiver woken by send gets the
 *     value as its wake value.
 *  4. Every waiter is blocked with reason 'channel' and its op, on exactly one queue.
 *  5. capacity is an integer >= 0 (ArgumentError).
 */
import { Cell, Deque } from '../../kernel-sim/abi';
import type { CpuView } from '../../kernel-sim/abi';
import { ArgumentError } from '../errors';
import { callOp, here, one } from '../instr';
import type { BlockReason, Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { labelFor } from './park';
import { bindOwner } from './owner';
import { AFTER_WOKEN, section, WAIT } from './section';
import type { Section } from './section';

interface BlockedSender<T> {
  readonly t: Tcb;
  readonly value: T;
}

export class Channel<T> implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly capacity: number;
  readonly buffer = new Deque<T>();
  readonly senders = new Deque<BlockedSender<T>>();
  readonly receivers = new Deque<Tcb>();
  /** The reasons its senders and receivers block with (one record each for all of them). */
  readonly sendReason: BlockReason;
  readonly recvReason: BlockReason;

  constructor(capacity: number, name?: string) {
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0) {
      throw new ArgumentError(`Channel: capacity must be an integer >= 0, got ${String(capacity)}`);
    }
    this.label = labelFor('channel', name);
    this.spin = new Cell(0, this.label);
    this.capacity = capacity;
    this.sendReason = { kind: 'channel', on: this, op: 'send' };
    this.recvReason = { kind: 'channel', on: this, op: 'recv' };
  }

  /** Messages in the buffer (blocked senders' values not counted). */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Whoever would send or receive is unknown. */
  owners(): readonly Thread[] {
    return [];
  }

  /** Send v, blocking while the buffer is full (capacity 0: until a receiver takes it). */
  send(v: T): Generator<number, void, unknown> {
    bindOwner(this, here('Channel.send'), 'Channel.send');
    return one<void>(callOp(section(this.spin, sendDecide, this, v)));
  }

  /** Receive the oldest message, blocking while there is none. */
  recv(): Generator<number, T, unknown> {
    bindOwner(this, here('Channel.recv'), 'Channel.recv');
    return one<T>(callOp(section(this.spin, recvDecide, this, undefined)));
  }
}

// The Section verdicts of send and recv (runtime/sync/section.ts).

/** A receiver waits: hand it the value; a free slot: buffer it; else block as a sender. */
function sendDecide(cpu: CpuView, f: Section): void {
  const ch = f.obj as Channel<unknown>;
  const r = ch.receivers.shift();
  if (r !== undefined) {
    f.wakeT = r;
    f.wakeV = f.arg;
    return;
  }
  if (ch.buffer.length < ch.capacity) {
    ch.buffer.push(f.arg);
    return;
  }
  ch.senders.push({ t: vcpuOf(cpu).current as Tcb, value: f.arg });
  f.verdict = WAIT; // woken once the value is taken
  f.reason = ch.sendReason;
}

/** Take the oldest message; refill the buffer from the first blocked sender (woken). */
function recvDecide(cpu: CpuView, f: Section): void {
  const ch = f.obj as Channel<unknown>;
  const s = ch.senders.shift();
  if (ch.buffer.length > 0) {
    f.result = ch.buffer.shift();
    if (s === undefined) return;
    ch.buffer.push(s.value);
    f.wakeT = s.t;
    return;
  }
  if (s !== undefined) {
    f.result = s.value; // capacity 0: rendezvous
    f.wakeT = s.t;
    return;
  }
  ch.receivers.push(vcpuOf(cpu).current as Tcb);
  f.verdict = WAIT; // woken with the sender's value
  f.reason = ch.recvReason;
  f.after = AFTER_WOKEN;
}
