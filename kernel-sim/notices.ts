/**
 * Queuing a scheduler-activation notice on a vCPU's shared record: the event goes on its
 * queue and `delivered` counts it, so sys_yield will not block the vCPU over it (R5).
 */
import type { UpcallEvent } from './abi';
import type { Dcb } from './dcb';

export function notify(d: Dcb, ev: UpcallEvent): void {
  d.shared.events.push(ev);
  d.shared.delivered++;
}
