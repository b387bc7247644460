/**
 * Diagnosis of runs that cannot go on: the deadlock report (who waits for what, and the
 * wait-for cycle when there is one) and the threads a corrupted context has lost.
 *
 * Invariants:
 *  1. Called only after the machine drained (nothing runnable, nothing pending) or
 *     livelocked; it reads runtime state and never changes it.
 *  2. A ready thread left on a queue with every vCPU asleep is reported as a lost
 *     wake-up, never silently dropped.
 */
import type { BlockReason, Tcb } from '../runtime/tcb';
import type { Uls } from '../runtime/uls';
import type { BlockedThread, Outcome } from './report';

export function diagnoseStuck(procs: readonly Uls[]): Outcome | null {
  const blocked: BlockedThread[] = [];
  const edges = new Map<string, string[]>();
  for (const uls of procs) {
    for (const t of uls.threads) {
      if (t.state === 'exited') continue;
      const on = t.reason === null ? [] : ownersOf(t.reason);
      const waitsFor = t.state === 'blocked' && t.reason !== null ? describe(t.reason) : `nothing: ${t.state} but no vCPU runs it (lost wake-up)`;
      blocked.push({ thread: t.label, process: uls.name, waitsFor, on });
      edges.set(t.label, on);
    }
  }
  if (blocked.length === 0) return null;
  return { kind: 'deadlock', blocked, cycle: findCycle(edges) };
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
  for (const t of uls.threads) {
    const s = t.saved;
    if (s !== null && (s.kind === 'sm' || s.stack !== t.stack)) out.push(t.label);
  }
  return out;
}
