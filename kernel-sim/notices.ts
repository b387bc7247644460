/**
 * Queuing a scheduler-activation notice on a vCPU's shared record: the event goes on its
 * queue and `delivered` counts it, so sys_yield will not block the vCPU over it (R5).
 */
import type { UpcallEvent } from './abi';
import type { Dcb } from './dcb';

export function notify(d: Dcb, ev: UpcallEvent): void {
  // The queue is user-writable: a process that replaced it loses the notice, and copy-in
  // faults it at its next kernel entry (the notifier, maybe another process, is unharmed).
  const q: unknown = d.shared.events;
  if (Array.isArray(q)) q.push(ev);
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
