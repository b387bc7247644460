/**
 * Test helpers for fault reports: what a run's first process fault was, and what the
 * thread threw (a misuse error thrown inside a thread is the cause of its
 * ThreadCrashError, which ends its process; run() itself never throws for it).
 */
import { ProcessFault, ThreadCrashError } from '../src/index';
import type { Report } from '../src/index';

/** The typed error of the run's fault outcome (fails the test when the run did not fault). */
export function faultOf(r: Report): ThreadCrashError | ProcessFault {
  if (r.outcome.kind !== 'fault') throw new Error(`expected a fault, the run ended ${r.outcome.kind}: ${JSON.stringify(r.outcome).slice(0, 300)}`);
  return r.outcome.error;
}

/** What the crashed thread threw (the ThreadCrashError's cause), or the ProcessFault's cause. */
export function crashOf(r: Report): unknown {
  const e = faultOf(r);
  return (e as { cause?: unknown }).cause;
}

/** The message of what the crashed thread threw. */
export function crashMessage(r: Report): string {
  const c = crashOf(r);
  return c instanceof Error ? c.message : String(c);
}

export { ProcessFault, ThreadCrashError };
