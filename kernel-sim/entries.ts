/**
 * A dispatcher's entry points: the routines the kernel enters it at (the run upcall, the
 * two page-fault handlers, the trap handler). They live in the user-writable record;
 * copy-in accepts any routine of this machine there, and the kernel keeps what they
 * were at the start (R6) so that a fault report can say when a process pointed one
 * elsewhere, the usual cause of its own dispatcher code failing.
 */
import { describeUntrusted } from './errors';
import type { Dcb } from './dcb';

export const ENTRIES = ['run', 'pagefault', 'pagefaultDisabled', 'trap'] as const;

/** Keep d's entry points as they are now (at its start). */
export function noteEntries(d: Dcb): void {
  const s = d.shared;
  d.entriesAtStart = ENTRIES.map((f) => s[f]);
}

/** The entry points d has now that differ from those it started with, as a clause of a fault report; '' when none changed. */
export function changedEntries(d: Dcb): string {
  const was = d.entriesAtStart;
  if (was === null) return '';
  const s = d.shared;
  const out: string[] = [];
  ENTRIES.forEach((f, i) => {
    const now: unknown = s[f];
    if (now !== was[i]) out.push(`its ${f} entry point is ${routineName(now)} (${routineName(was[i])} when it started)`);
  });
  return out.join('; ');
}

function routineName(r: unknown): string {
  if (r === null) return 'null';
  const name: unknown = typeof r === 'object' ? (r as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : describeUntrusted(r);
}
