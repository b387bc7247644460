/**
 * Queuing a scheduler-activation notice on a vCPU's shared record: the event goes on its
 * queue and `delivered` counts it, so sys_yield will not block the vCPU over it (R5).
 */
import type { UpcallEvent } from './abi';
import type { Dcb } from './dcb';

export function notify(d: Dcb, ev: UpcallEvent): void {
  // The queue's contents are user-writable: the kernel appends to the array it made
  // (never to whatever the field now holds), with the intrinsic push so an own `push`
  // is not called; if the array was rigged so that appending throws, the notice is lost
  // and copy-in faults the owner at its next entry. The notifier, maybe running for
  // another process, is unharmed either way.
  try {
    Array.prototype.push.call(d.queue, ev);
  } catch (e) {
    d.queueBroken ??= `appending a notice threw (${e instanceof Error ? e.message : typeof e})`;
  }
  d.delivered++;
  d.shared.delivered = d.delivered;
}

/**
 * The user's `seen` as the kernel may believe it between entries (a kick, activation
 * recycling): read from user memory, accepted only when it is an integer that has grown
 * no further than `delivered`, as copy-in would accept it. A garbage value is ignored,
 * which reads as "unseen": the kernel then interrupts the vCPU, and copy-in at that entry
 * faults the process over the field.
 */
export function peekSeen(d: Dcb): number {
  const v: unknown = d.shared.seen;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= d.seen && v <= d.delivered) d.seen = v;
  return d.seen;
}
