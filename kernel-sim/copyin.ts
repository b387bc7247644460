/**
 * Copy-in: at every kernel entry for a dispatcher (a syscall, an interrupt, an
 * exception, a dispatch) the kernel checks every field of its shared record, which the
 * process can write at will, before it acts on any (seL4 and Barrelfish validate all
 * user-writable memory they read). A refused field ends that process only, with a
 * ProcessFault naming the field and its value (containment.ts).
 *
 * Invariants:
 *  1. User-written fields are accepted only when well-formed: disabled, haswork and
 *     deferPreempt are 0 or 1; the critical range is two integers inside the code map,
 *     low <= high; entry points are null or routines of this machine; wakeup is 0 or a
 *     simulated time (a safe integer >= 0); seen only grows, up to delivered; the save
 *     areas are null or contexts of this process (a stack stamped with its token, or a
 *     routine of this machine at a pc inside it); events is the kernel's own queue.
 *  5. The record is sealed (DispatcherShared's constructor): its fields are plain data,
 *     so no kernel read or write of it can run user code (no accessor can be defined).
 *  2. Kernel-written fields (delivered, systime, activation, kthread, home, and the
 *     identity fields process, vcpu, name) must hold what the kernel last wrote: the
 *     kernel reads its own copies in the Dcb and only checks the user's.
 *  3. udisp is opaque to the kernel (only passed back in upcalls); the runtime checks it.
 *  4. Copy-in charges nothing and changes nothing but the kernel's copy of `seen`.
 */
import { OP_COUNT, Stack } from './abi';
import type { Context, DispatcherShared } from './abi';
import { fieldFault } from './containment';
import { ENTRIES } from './entries';
import type { Cpu } from './cpu';
import type { Dcb } from './dcb';
import type { ProcessFault } from './errors';
import type { Kernel } from './kernel';

const AREAS = ['enabledArea', 'disabledArea', 'trapArea'] as const;
const BITS = ['disabled', 'haswork', 'deferPreempt'] as const;

export function copyIn(k: Kernel, d: Dcb, cpu: Cpu | null): ProcessFault | null {
  if (d.proc.daemon) return null; // the kernel's own records
  const s: DispatcherShared = d.shared;
  const bad = (field: string, value: unknown, want: string): ProcessFault => fieldFault(k, d, cpu, field, value, want);
  for (const f of BITS) {
    const v = s[f];
    if (v !== 0 && v !== 1) return bad(f, v, 'must be 0 or 1');
  }
  const lo = s.critLow;
  const hi = s.critHigh;
  const limit = k.code.limit;
  if (!Number.isSafeInteger(lo) || lo < 0 || lo > limit) return bad('critLow', lo, `must be an integer code address in [0, ${limit}]`);
  if (!Number.isSafeInteger(hi) || hi < lo || hi > limit) return bad('critHigh', hi, `must be an integer code address in [critLow, ${limit}]`);
  for (const f of ENTRIES) {
    const r = s[f];
    if (r !== null && !k.code.has(r)) return bad(f, r, 'must be null or a dispatcher routine of this machine');
  }
  const w = s.wakeup;
  if (!Number.isSafeInteger(w) || w < 0) return bad('wakeup', w, 'must be 0 (none) or a simulated time, an integer >= 0');
  const seen = s.seen;
  if (!Number.isSafeInteger(seen) || seen < d.seen || seen > d.delivered) {
    return bad('seen', seen, `must be an integer between ${d.seen} (the last seen) and ${d.delivered} (delivered)`);
  }
  if (s.events !== d.queue) return bad('events', s.events, 'must be the array the kernel queues notices on (drain it in place)');
  if (d.queueBroken !== null) return bad('events', s.events, d.queueBroken);
  for (const f of AREAS) {
    const c = s[f];
    if (c !== null && !isContextOf(k, d, c)) return bad(f, c, 'must be null or a context of this process');
  }
  // Kernel-written fields: the user may read them, never change them.
  if (s.delivered !== d.delivered) return bad('delivered', s.delivered, `is kernel-written (${d.delivered})`);
  if (s.systime !== d.systime) return bad('systime', s.systime, `is kernel-written (${d.systime})`);
  if (s.activation !== d.activationId) return bad('activation', s.activation, `is kernel-written (${d.activationId})`);
  if (s.kthread !== d.kthread) return bad('kthread', s.kthread, `is kernel-written (${String(d.kthread)})`);
  if (s.home !== d.proc.token) return bad('home', s.home, "is kernel-written (the process's token)");
  if (s.process !== d.proc.id) return bad('process', s.process, `is kernel-written (${d.proc.id})`);
  if (s.vcpu !== d.vcpuId) return bad('vcpu', s.vcpu, `is kernel-written (${d.vcpuId})`);
  if (s.name !== d.name) return bad('name', s.name, `is kernel-written (${JSON.stringify(d.name)})`);
  d.seen = seen;
  return null;
}

/** A context this process may have the kernel restore: its own stack, or a routine of this machine at a pc inside it. */
function isContextOf(k: Kernel, d: Dcb, c: unknown): c is Context {
  if (typeof c !== 'object' || c === null) return false;
  const x = c as Record<string, unknown>;
  if (x.kind === 'gen') {
    const st = x.stack;
    // A stack of this process carries its token: the runtime stamps every stack it makes,
    // so an unstamped one in a save area is a forgery (a process without a token, as in
    // kernel tests, only has unstamped ones).
    if (!(st instanceof Stack) || st.home !== d.proc.token) return false;
    const op = x.pendingOp;
    return typeof x.used === 'boolean' && Number.isSafeInteger(x.seq) && (op === -1 || (Number.isInteger(op) && (op as number) >= 0 && (op as number) < OP_COUNT));
  }
  if (x.kind === 'sm') {
    const r = x.routine;
    const pc = x.pc;
    return k.code.has(r) && Number.isInteger(pc) && (pc as number) >= 0 && (pc as number) < r.size;
  }
  return false;
}

/** Copy-in at a kernel entry: true when the dispatcher passed; otherwise its process is faulted (and `cpu`, if given, runs something else). */
export function entryCheck(k: Kernel, d: Dcb, cpu: Cpu | null): boolean {
  const f = copyIn(k, d, cpu);
  if (f === null) return true;
  k.faultProcess(d.proc, f, cpu?.time ?? 0, cpu);
  return false;
}
