/**
 * Diagnosis of runs that cannot go on: the deadlock report (who waits for what, and the
 * wait-for cycle when there is one), the livelock report (who spins on which SpinLock
 * and what became of its holder, who kept yielding) and the threads a corrupted
 * context has lost.
 *
 * Invariants:
 *  1. Called only after the machine drained (nothing runnable, nothing pending) or
 *     livelocked; it reads runtime state and never changes it.
 *  2. A ready thread left on a queue with every vCPU asleep is reported as a lost
 *     wake-up, never silently dropped.
 *  3. A SpinLock holder that exited or crashed without unlocking is named as such, with
 *     when and (for a crash) what it died of.
 */
import { describeThrown } from '../kernel-sim/errors';
import type { CpuActivity } from '../kernel-sim/loop';
import type { BlockReason, Tcb } from '../runtime/tcb';
import type { Uls } from '../runtime/uls';
import type { KProcess } from '../kernel-sim/dcb';
import type { BlockedThread, Outcome, SpinWaiter, WaitingThread } from './report';

export function diagnoseStuck(procs: readonly Uls[]): Outcome | null {
  const blocked: BlockedThread[] = [];
  const edges = new Map<string, string[]>();
  for (const uls of procs) {
    for (const t of uls.unreleased()) {
      if (t.state === 'exited') continue;
      const on = t.reason === null ? [] : ownersOf(t.reason);
      const waitsFor = t.state === 'blocked' && t.reason !== null ? describe(t.reason) : `nothing: ${t.state} but no vCPU runs it (lost wake-up)`;
      blocked.push({ thread: t.label, process: uls.name, waitsFor, on });
      edges.set(t.label, on);
    }
  }
  if (blocked.length === 0) return null;
  const cycle = findCycle(edges);
  return { kind: 'deadlock', blocked, cycle, message: deadlockMessage(blocked, cycle) };
}

/** One line: the wait-for cycle with what each of its threads waits on, or (no cycle) what every left thread waits for. */
function deadlockMessage(blocked: readonly BlockedThread[], cycle: readonly string[]): string {
  const says = (b: BlockedThread): string => `${b.thread} waits for ${b.waitsFor}`;
  if (cycle.length > 0) {
    const inCycle = cycle.map((c) => blocked.find((b) => b.thread === c)).filter((b): b is BlockedThread => b !== undefined);
    return `wait-for cycle ${[...cycle, cycle[0]].join(' -> ')}: ${inCycle.map(says).join('; ')}`;
  }
  const shown = blocked.slice(0, 8).map(says).join('; ');
  return `no thread can wake the others (no cycle): ${shown}${blocked.length > 8 ? `; and ${blocked.length - 8} more` : ''}`;
}

function ownersOf(r: BlockReason): string[] {
  if (r.kind === 'sleep' || r.kind === 'kernel') return [];
  return r.on.owners().map((o) => (o as Tcb).label ?? `T${o.id}`);
}

function describe(r: BlockReason): string {
  switch (r.kind) {
    case 'join':
      return `join of ${r.on.label}`;
    case 'mutex':
    case 'cond':
    case 'semaphore':
    case 'barrier':
      return `${r.kind} ${r.on.label}${held(r.on.owners())}`;
    case 'rwlock':
      return `rwlock ${r.on.label} for ${r.mode}${held(r.on.owners())}`;
    case 'channel':
      return `channel ${r.on.label} to ${r.op}`;
    case 'sleep':
      return `sleep until t=${r.until}ns`;
    case 'kernel':
      return `the kernel (disk or page-in, activation ${r.activation})`;
    default: {
      const never: never = r;
      return `unknown reason ${JSON.stringify(never)}`;
    }
  }
}

function held(owners: readonly { readonly id: number; readonly name: string }[]): string {
  if (owners.length === 0) return '';
  return ` (held by ${owners.map((o) => `${(o as Tcb).label ?? o.name}${(o as Tcb).state === 'exited' ? ', which has exited' : ''}`).join('; ')})`;
}

/** A cycle in the wait-for graph, as thread labels, or [] when there is none. */
function findCycle(edges: Map<string, string[]>): string[] {
  const state = new Map<string, 1 | 2>();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    path.push(n);
    for (const m of edges.get(n) ?? []) {
      const s = state.get(m);
      if (s === 1) return path.slice(path.indexOf(m));
      if (s === undefined && edges.has(m)) {
        const c = visit(m);
        if (c !== null) return c;
      }
    }
    path.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of edges.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c !== null) return c;
  }
  return [];
}

/** Threads whose TCB slot holds a context that is not their own (lost continuations). */
export function lostThreads(uls: Uls): string[] {
  const out: string[] = [];
  for (const t of uls.unreleased()) {
    const s = t.saved;
    if (s !== null && (s.kind === 'sm' || s.stack !== t.stack)) out.push(t.label);
  }
  return out;
}

/**
 * Some thread of a running process waits for time to pass or for a device (a sleep, a
 * disk read, a page-in, a delay, an armed kernel wake-up): its wake-up is progress to
 * come, so spins and yields meanwhile (polling for it) are not yet a livelock.
 */
export function progressToCome(procs: readonly { readonly kp: KProcess; readonly uls: Uls }[]): boolean {
  for (const { kp, uls } of procs) {
    if (kp.end.kind !== 'running') continue;
    for (const w of kp.waits.values()) if (w.what.kind !== 'ksem') return true;
    for (const d of kp.dcbs) if (d.state === 'blocked' && d.wakeupArmed) return true;
    for (const t of uls.unreleased()) {
      if (t.state === 'blocked' && t.reason !== null && (t.reason.kind === 'sleep' || t.reason.kind === 'kernel')) return true;
    }
  }
  return false;
}

/**
 * The livelock outcome: spinners and their holders' fates, yielders (since `since` ns),
 * busy CPUs, lost threads, a one-line message. `window` says how long no progress was
 * made: `steps` application instructions, or `events` kernel events with no instruction.
 */
export function diagnoseLivelock(
  procs: readonly Uls[], spinning: readonly CpuActivity[], lost: readonly string[], waiting: readonly WaitingThread[],
  since: number, window: { readonly steps: number; readonly events: number },
): Outcome {
  const spinners = spinWaiters(procs);
  const yielding = yieldingThreads(procs, since);
  const head = window.events > 0 ? `the kernel handled ${window.events} events with no instruction in between` : `no application progress in ${window.steps} instructions`;
  return { kind: 'livelock', message: `${head}: ${livelockMessage(spinners, yielding, spinning, lost)}`, spinners, yielding, spinning, lost, waiting };
}

/** Threads spinning for a SpinLock (fair or not), with the lock's holder and its fate. */
function spinWaiters(procs: readonly Uls[]): SpinWaiter[] {
  const out: SpinWaiter[] = [];
  for (const uls of procs) {
    for (const t of uls.unreleased()) {
      const l = t.spinningOn;
      if (l === null || t.state === 'exited' || t.state === 'blocked') continue;
      const h = (l.owners()[0] as Tcb | undefined) ?? null;
      const [holderState, holderFate] = fateOf(h);
      out.push({ thread: t.label, process: uls.name, lock: l.label, holder: h === null ? null : h.label, holderState, holderFate });
    }
  }
  return out;
}

function fateOf(h: Tcb | null): [SpinWaiter['holderState'], string] {
  if (h === null) return ['none', 'nobody holds it now'];
  switch (h.state) {
    case 'exited':
      if (h.crash !== null) return ['crashed', `${h.label} crashed at t=${h.finished}ns without unlocking it (it died of ${describeThrown(h.crash.cause ?? h.crash)})`];
      return ['exited', `${h.label} exited at t=${h.finished}ns without unlocking it`];
    case 'blocked':
      return ['blocked', `${h.label} holds it, blocked on ${h.reason === null ? 'something unknown' : describe(h.reason)}`];
    case 'ready':
      return ['ready', `${h.label} holds it, ready but given no CPU`];
    case 'running':
      return ['running', `${h.label} holds it and is running`];
    default: {
      const never: never = h.state;
      return ['none', `unknown state ${String(never)}`];
    }
  }
}

/** Unfinished threads that yielded at or after `since` (ns) and are not spinning for a lock: they kept yielding with no progress. */
function yieldingThreads(procs: readonly Uls[], since: number): string[] {
  const out: string[] = [];
  for (const uls of procs) {
    for (const t of uls.unreleased()) {
      if ((t.state === 'ready' || t.state === 'running') && t.spinningOn === null && t.yieldedAt >= 0 && t.yieldedAt >= since) out.push(t.label);
    }
  }
  return out;
}

/** One line for a livelock: spinners and their holders' fates first, then yielders, then spinning CPUs. */
function livelockMessage(spinners: readonly SpinWaiter[], yielding: readonly string[], cpus: readonly CpuActivity[], lost: readonly string[]): string {
  const parts: string[] = [];
  for (const s of spinners) parts.push(`${s.thread} spins on ${s.lock}: ${s.holderFate}`);
  if (yielding.length > 0) parts.push(`${yielding.join(', ')} kept yielding with no other work (nothing computing, sleeping or waiting for a device)`);
  if (spinners.length === 0 && yielding.length === 0) {
    for (const c of cpus) if (c.spinningOn !== null) parts.push(`cpu${c.cpu} spins on ${c.spinningOn}${c.heldBy === null ? '' : ` held by ${c.heldBy}${c.holderExited ? ', which has exited' : c.holderRunning ? ' (running)' : ' (not running)'}`}`);
  }
  if (lost.length > 0) parts.push(`lost continuations of ${lost.join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : `the CPUs kept executing (${cpus.map((c) => `cpu${c.cpu} at ${c.pc}`).join(', ') || 'kernel work only'})`;
}
