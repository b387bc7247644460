/**
 * Applying an allocation. The processor allocator space-shares the CPUs among the
 * processes with scheduler activations; the kernel threads of every other process are
 * time-shared (ksched.ts) over a pool of CPUs that takes part in the split as one more
 * claimant, wanting the CPUs its processes may run on. So both regimes run side by side
 * on one machine, and a machine of only one kind gives that kind every CPU.
 * Scheduler-activation processes hear of every change by notices: `vcpuAdded` on the
 * new vCPU, `vcpuRevoked` (and `preempted` with the context that ran there) on another
 * vCPU of the process, or parked until it next has one.
 *
 * Invariants:
 *  1. An assigned vCPU of an activations process holds its CPU alone (unless more
 *     processes than CPUs share one), and runs on exactly one running activation; an
 *     unassigned one holds none.
 *  2. A vCPU is never revoked inside dispatcher code (disabled, or in the critical
 *     range): the revocation waits for a safe point (the next enabled interrupt or
 *     sys_yield), so user-level scheduler state is never torn.
 *  3. Every revoked context reaches the process as a `preempted` notice.
 *  4. While a time-shared process lives, the pool holds at least one CPU.
 */
import type { Context, UpcallEvent } from './abi';
import { shares } from './allocator';
import { notify } from './notices';
import { decide } from './decisions';
import type { LandCause } from './observer';
import type { Cpu } from './cpu';
import { MODE_IDLE } from './cpu';
import type { Dcb, KProcess } from './dcb';
import { setKernelCopy, takeInterrupt } from './protocol';
import type { Kernel } from './kernel';
import { setPool } from './ksched';

/** Recompute the shares and apply them; `prefer` is revoked first when one must go (vcpuIdle). */
export function reallocate(k: Kernel, now: number, prefer: Dcb | null = null): void {
  const live = k.procs.filter((p) => p.started && !p.daemon && p.end.kind === 'running');
  const sa = live.filter((p) => p.acts !== null);
  const ts = live.filter((p) => p.acts === null);
  const n = k.cpus.length;
  const wanted = new Set<number>();
  for (const p of ts) for (const c of p.cpus) wanted.add(c);
  const sh = shares(n, ts.length > 0 ? [Math.max(1, wanted.size), ...sa.map((p) => p.demand)] : sa.map((p) => p.demand));
  const poolShare = ts.length > 0 ? Math.max(1, sh[0] ?? 0) : 0;
  const saShares = ts.length > 0 ? sh.slice(1) : sh;
  sa.forEach((p, i) => shrink(k, p, Math.max(1, saShares[i] ?? 0), now, prefer));
  const held = new Set<number>();
  for (const p of sa) for (const d of p.dcbs) if (d.assigned && d.state !== 'removed') held.add(d.cpu);
  // The pool keeps the CPUs it has that its processes want, then takes free ones they
  // want, then keeps or takes any (so a process whose CPU set left the pool when another
  // process ended gets its own CPUs back rather than ones nobody asked for).
  const pool: number[] = [];
  const take = (ok: (c: number) => boolean): void => {
    for (let c = 0; c < n && pool.length < poolShare; c++) if (!held.has(c) && !pool.includes(c) && ok(c)) pool.push(c);
  };
  take((c) => k.inPool[c] === true && wanted.has(c));
  take((c) => wanted.has(c));
  take((c) => k.inPool[c] === true);
  take(() => true);
  if (poolShare > 0 && pool.length === 0) pool.push(ts.length > 0 ? Math.min(...wanted) : 0); // shared with a vCPU (invariant 4)
  pool.sort((x, y) => x - y);
  setPool(k, pool, now);
  const free: number[] = [];
  for (let c = 0; c < n; c++) if (!held.has(c) && !pool.includes(c)) free.push(c);
  sa.forEach((p, i) => grow(k, p, saShares[i] ?? 0, free, now));
  // More processes than CPUs: one with no share time-shares a CPU of another.
  for (const p of sa) {
    if (assignedOf(p).length > 0) continue;
    const d = p.dcbs.find((x) => x.state !== 'removed');
    if (d !== undefined) addVcpu(k, d, p.id % n, now);
  }
  for (const p of sa) k.checkActivations(p);
  k.trace.add(now, -1, 'alloc', live.length, sa.reduce((a, p) => a * 8 + assignedOf(p).length, pool.length));
}

function assignedOf(p: KProcess): Dcb[] {
  return p.dcbs.filter((d) => d.assigned && d.state !== 'removed');
}

function shrink(k: Kernel, p: KProcess, share: number, now: number, prefer: Dcb | null): void {
  let assigned = assignedOf(p).filter((d) => !d.revokePending);
  while (assigned.length > share) {
    // vcpuIdle names its own vCPU; otherwise which one goes is a decision (default: the last).
    const victim = prefer !== null && assigned.includes(prefer)
      ? prefer
      : (assigned[decide(k.decisions, { kind: 'victim', process: p.id, vcpus: assigned.map((d) => d.vcpuId) })] as Dcb);
    revokeVcpu(k, victim, now);
    assigned = assigned.filter((d) => d !== victim);
  }
}

function grow(k: Kernel, p: KProcess, share: number, free: number[], now: number): void {
  let n = assignedOf(p).length;
  for (const d of p.dcbs) {
    if (n >= share || free.length === 0) break;
    if (d.assigned || d.state === 'removed') continue;
    if (addVcpu(k, d, free[0] as number, now)) {
      free.shift();
      n++;
    }
  }
}

/** Give d a processor: a fresh activation, then `vcpuAdded` (and notices parked while the process had none). */
export function addVcpu(k: Kernel, d: Dcb, cpu: number, now: number): boolean {
  const p = d.proc;
  const a = p.acts?.take(d.index, k.noticeSeen) ?? null;
  if (a === null) return false;
  d.assigned = true;
  d.cpu = cpu;
  d.activation = a;
  k.publishActivation(d, a.id);
  if (d.started) setKernelCopy(d, false); // a vCPU that ran before comes back by an upcall
  notify(d, { kind: 'vcpuAdded', vcpu: d.vcpuId });
  for (const ev of p.parkedNotices.splice(0)) notify(d, ev);
  k.trace.add(now, cpu, 'vcpu-add', d.index, p.id);
  k.makeRunnable(d, now, true);
  return true;
}

/** Can the allocator revoke d now (an assigned vCPU of an activations process, no revocation pending)? */
export function canRevoke(d: Dcb): boolean {
  return d.proc.acts !== null && d.assigned && !d.revokePending && d.state !== 'removed' && d.proc.end.kind === 'running';
}

/** Take d's processor away, now or at its next safe point. */
export function revokeVcpu(k: Kernel, d: Dcb, now: number, cause: LandCause = 'allocator'): void {
  const cpu = k.cpus[d.cpu] as Cpu;
  const onCpu = cpu.dcbIndex === d.index && cpu.mode !== MODE_IDLE;
  if (onCpu) {
    if (k.treatAsDisabled(d, k.pcOf(cpu))) {
      // Inside dispatcher code: retry after an IPI's delay (or at the next safe point).
      if (!d.revokePending) k.post(now + k.costs.ipi, { kind: 'revoke', dcb: d.index });
      d.revokePending = true;
      return;
    }
    const ctx = takeInterrupt(k, cpu, now, 'revoke', cause);
    finishRevoke(k, d, ctx, cpu.time);
    k.dispatch(cpu, k.schedule(cpu, false));
    return;
  }
  if (d.state === 'runnable' && d.kdisabled && d.started) {
    if (!d.revokePending) k.post(now + k.costs.ipi, { kind: 'revoke', dcb: d.index });
    d.revokePending = true; // holds a disabled dispatcher context: revoke once it finishes
    return;
  }
  finishRevoke(k, d, d.pendingUpcall ? d.shared.enabledArea : null, now);
}

/**
 * Complete a revocation: notices to the process, activation spent, vCPU off every queue.
 * The thread context to hand back is `ctx` (the interrupted one) or else whatever the
 * user left in the enabled area for its next upcall (disp_save before sys_yield): a
 * revocation at a safe point must not drop a thread the user parked there.
 */
export function finishRevoke(k: Kernel, d: Dcb, interrupted: Context | null, now: number): void {
  const p = d.proc;
  const parked = d.shared.enabledArea;
  const ctx = interrupted ?? (parked !== null && !(parked.kind === 'gen' && parked.used) ? parked : null);
  d.assigned = false;
  d.revokePending = false;
  d.pendingUpcall = false;
  k.unqueue(d, 'blocked');
  const act = d.activation;
  d.activation = null;
  k.publishActivation(d, 0);
  d.shared.enabledArea = null; // the context goes to the process in a notice, never twice
  const evs: UpcallEvent[] = [];
  if (act !== null) {
    if (ctx !== null) {
      act.state = 'spent'; // the user recycles it after taking the context
      evs.push({ kind: 'preempted', activation: act.id, context: ctx, vcpu: d.vcpuId });
    } else {
      p.acts?.release(act);
    }
  }
  evs.push({ kind: 'vcpuRevoked', vcpu: d.vcpuId });
  k.trace.add(now, d.cpu, 'vcpu-revoke', d.index, ctx !== null ? 1 : 0);
  for (const ev of evs) deliverNotice(k, p, d, ev, now);
}

/** Hand a notice to another assigned vCPU of p (preempting one if all run), or park it. */
export function deliverNotice(k: Kernel, p: KProcess, except: Dcb, ev: UpcallEvent, now: number): void {
  const others = assignedOf(p).filter((x) => x !== except && !x.revokePending);
  const idle = others.find((x) => x.state === 'blocked');
  if (idle !== undefined) {
    notify(idle, ev);
    k.makeRunnable(idle, now, true);
    return;
  }
  const target = others[0];
  if (target === undefined) {
    p.parkedNotices.push(ev);
    return;
  }
  notify(target, ev);
  k.kick(target, now);
}
