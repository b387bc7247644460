/**
 * A run's report as plain data that survives postMessage (the structured clone): what a
 * worker sends back to runInWorker. Error objects become { name, code, message, cause }
 * (a clone would drop their class and `code`), and a main result that cannot be cloned
 * (a function, a generator) is described instead of failing the whole answer.
 *
 * Invariants:
 *  1. Every field is a string, number, boolean, null, array or plain object, except a
 *     main result that structuredClone accepted.
 *  2. Nothing here reads host time: the figures are the report's.
 */
import type { RunTrace } from './trace/schema';
import { describeThrown, describeUntrusted } from '../kernel-sim/errors';
import type { ProcessEnd } from '../kernel-sim/dcb';
import type { Counts, Outcome, Report } from './report';

/** An error as data: its class name, its `code` when it has one, its message, and what it wraps. */
export interface ErrorSummary {
  readonly name: string;
  readonly code: string | null;
  readonly message: string;
  /** The error's `cause` (one level: a ThreadCrashError's is what the thread threw), or null. */
  readonly cause: ErrorSummary | null;
}

/** A main thread's result: the value itself when it can be cloned, else what it was. */
export type ResultSummary =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'unclonable'; readonly description: string };

export interface ProcessSummary {
  readonly name: string;
  readonly end: ProcessEnd['kind'];
  /** When it exited or faulted (simulated ns), or null while running. */
  readonly endTime: number | null;
  /** What ended it, for a fault (a ThreadCrashError or ProcessFault, its cause the thrown value). */
  readonly error: ErrorSummary | null;
  readonly mainResult: ResultSummary;
  /** Thread records in the report. */
  readonly threads: number;
}

export interface RunSummary {
  readonly ok: boolean;
  readonly outcome: Outcome['kind'];
  /** The outcome in one line, for a person. */
  readonly message: string;
  /** The outcome's error (a fault's ThreadCrashError or ProcessFault, a panic's thrown value), or null. */
  readonly error: ErrorSummary | null;
  readonly endTime: number;
  readonly counts: Counts;
  readonly processes: readonly ProcessSummary[];
  readonly traceHash: string;
  readonly traceEvents: number;
  /** The recorded trace when the machine had `record` on (plain data: it crosses a worker boundary), else null. */
  readonly records: RunTrace | null;
}

export function summarizeReport(r: Report): RunSummary {
  const o = r.outcome;
  return {
    ok: r.ok,
    outcome: o.kind,
    message: describeOutcome(o),
    error: o.kind === 'fault' || o.kind === 'panic' ? summarizeError(o.error) : null,
    endTime: r.endTime,
    counts: { ...r.counts },
    processes: r.processes.map((p) => ({
      name: p.name,
      end: p.end.kind,
      endTime: p.end.kind === 'running' ? null : p.end.time,
      error: p.end.kind === 'fault' ? summarizeError(p.end.error) : null,
      mainResult: summarizeResult(p.mainResult),
      threads: p.threads.length,
    })),
    traceHash: r.traceHash,
    traceEvents: r.traceEvents,
    records: r.records,
  };
}

/** Any thrown value as data; nothing it runs (a getter, a toString) escapes. */
export function summarizeError(e: unknown, depth = 0): ErrorSummary {
  if (!(e instanceof Error)) return { name: 'non-Error', code: null, message: describeThrown(e), cause: null };
  let name = 'Error';
  let message = '';
  let code: string | null = null;
  let cause: unknown;
  try {
    name = String(e.name);
    message = String(e.message);
    const c = (e as { code?: unknown }).code;
    code = typeof c === 'string' ? c : null;
    cause = (e as { cause?: unknown }).cause;
  } catch {
    message = 'an Error whose fields cannot be read';
  }
  return { name, code, message, cause: cause === undefined || depth > 0 ? null : summarizeError(cause, depth + 1) };
}

export function summarizeResult(v: unknown): ResultSummary {
  try {
    return { kind: 'value', value: structuredClone(v) };
  } catch {
    return { kind: 'unclonable', description: describeUntrusted(v) };
  }
}

/** One line per outcome, naming what a person would look at first. */
export function describeOutcome(o: Outcome): string {
  switch (o.kind) {
    case 'completed':
      return 'completed: every process finished';
    case 'deadlock':
      return `deadlock: ${o.message}`;
    case 'livelock':
      return `livelock: ${o.message}`;
    case 'limit':
      return `${o.what} limit reached while the run was still making progress`;
    case 'invariant':
      return `invariant ${o.breach.name} broken at ${o.breach.pc} on cpu${o.breach.cpu} (t=${o.breach.time}ns): ${o.breach.what}`;
    case 'violation':
      return `detection layer ${o.violation.layer} at ${o.violation.pc} on cpu${o.violation.cpu}: ${o.violation.what}`;
    case 'fault':
      return `process '${o.process}' faulted: ${o.message}`;
    case 'panic':
      return `the simulator panicked: ${o.message}`;
    default: {
      const never: never = o;
      return `unknown outcome ${describeUntrusted(never)}`;
    }
  }
}
