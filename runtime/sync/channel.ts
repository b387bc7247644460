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
import { callOp, here, lib, one, store } from '../instr';
import { csBack, csEnter, csLeave, marksHere } from '../dispatcher';
import type { Tcb, Thread, Waitable } from '../tcb';
import { vcpuOf } from '../uls';
import type { Uls } from '../uls';
import { blockOp, woken, labelFor, spinAcquire, wakeDisabled } from './park';
import { bindOwner } from './owner';

interface BlockedSender<T> {
  readonly t: Tcb;
  readonly value: T;
}

type SendTry = { kind: 'done' } | { kind: 'handoff'; to: Tcb } | { kind: 'wait' };
type RecvTry<T> = { kind: 'got'; value: T; wake: Tcb | null } | { kind: 'wait' };

export class Channel<T> implements Waitable {
  /** The process that owns it (runtime/sync/owner.ts), bound at its first use. */
  home: Uls | null = null;
  readonly spin: Cell;
  readonly label: string;
  readonly capacity: number;
  readonly buffer = new Deque<T>();
  readonly senders = new Deque<BlockedSender<T>>();
  readonly receivers = new Deque<Tcb>();

  constructor(capacity: number, name?: string) {
    if (typeof capacity !== 'number' || !Number.isInteger(capacity) || capacity < 0) {
      throw new ArgumentError(`Channel: capacity must be an integer >= 0, got ${String(capacity)}`);
    }
    this.label = labelFor('channel', name);
    this.spin = new Cell(0, this.label);
    this.capacity = capacity;
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
    return one<void>(callOp(this.sendFrame(v)));
  }

  /** Receive the oldest message, blocking while there is none. */
  recv(): Generator<number, T, unknown> {
    bindOwner(this, here('Channel.recv'), 'Channel.recv');
    return one<T>(callOp(this.recvFrame()));
  }

  private *sendFrame(v: T): Generator<number, void, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(sendTry, { ch: this, v })) as SendTry;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'channel', on: this, op: 'send' }); // woken once v is taken
      return;
    }
    if (r.kind === 'handoff') yield* wakeDisabled(r.to, v);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
  }

  private *recvFrame(): Generator<number, T, unknown> {
    const m = marksHere();
    if (m) yield csEnter();
    yield* spinAcquire(this.spin);
    const r = (yield lib(recvTry, this)) as RecvTry<T>;
    if (r.kind === 'wait') {
      yield blockOp(this.spin, { kind: 'channel', on: this, op: 'recv' });
      return woken() as T; // the sender's value
    }
    if (r.wake !== null) yield* wakeDisabled(r.wake, undefined);
    yield store(this.spin, 0);
    if (m && (yield csLeave()) === true) yield csBack();
    return r.value;
  }
}

function sendTry<T>(cpu: CpuView, a: { ch: Channel<T>; v: T }): SendTry {
  const ch = a.ch;
  const r = ch.receivers.shift();
  if (r !== undefined) return { kind: 'handoff', to: r };
  if (ch.buffer.length < ch.capacity) {
    ch.buffer.push(a.v);
    return { kind: 'done' };
  }
  ch.senders.push({ t: vcpuOf(cpu).current as Tcb, value: a.v });
  return { kind: 'wait' };
}

/** Take the oldest message; refill the buffer from the first blocked sender (woken). */
function recvTry<T>(cpu: CpuView, ch: Channel<T>): RecvTry<T> {
  const s = ch.senders.shift();
  if (ch.buffer.length > 0) {
    const value = ch.buffer.shift() as T;
    if (s === undefined) return { kind: 'got', value, wake: null };
    ch.buffer.push(s.value);
    return { kind: 'got', value, wake: s.t };
  }
  if (s !== undefined) return { kind: 'got', value: s.value, wake: s.t }; // capacity 0: rendezvous
  ch.receivers.push(vcpuOf(cpu).current as Tcb);
  return { kind: 'wait' };
}
