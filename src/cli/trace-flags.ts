/**
 * The trace flags of `upcall run` and `upcall replay`: `--trace out.json` (Chrome Trace
 * Event JSON for Perfetto), `--html out.html` (the self-contained timeline) and
 * `--timeline` (a text timeline on stdout).
 *
 * The CLI parses them, asks the run to record its trace (traceRecording: the machine's
 * `record` option) and, once the run is over, hands its result to exportTrace, which
 * writes the files with the exporters of src/trace/.
 */
import { writeFileSync } from 'node:fs';
import { resolveMachine } from '../config';
import { toChromeTrace } from '../trace/chrome';
import { htmlTimeline } from '../trace/html';
import type { HtmlTimelineOptions } from '../trace/html';
import type { RunTrace } from '../trace/schema';
import { textTimeline } from '../trace/text';

export interface TraceFlags {
  /** --trace <file>: Chrome Trace Event JSON. */
  readonly trace?: string;
  /** --html <file>: the HTML timeline. */
  readonly html?: string;
  /** --timeline: a text timeline on stdout. */
  readonly timeline?: boolean;
}

/** What exportTrace did: files written and text for stdout, or why it could not. */
export type TraceExport =
  | { readonly ok: true; readonly files: readonly string[]; readonly text: string }
  | { readonly ok: false; readonly message: string };

export const NOT_AVAILABLE = 'trace export is not available in this build';

export function wantsTrace(f: TraceFlags): boolean {
  return f.trace !== undefined || f.html !== undefined || f.timeline === true;
}

/**
 * The machine options that make a run record its trace, laid over the app's or scenario's
 * own (runInWorker's `machine` option, the replayed scenario's machine). `record` is the
 * recorder's option (src/trace/); a build without it still keeps the kernel's trace events
 * (`trace: true`), which no exporter reads.
 */
export function traceRecording(f: TraceFlags): Record<string, unknown> {
  if (!wantsTrace(f)) return {};
  try {
    resolveMachine({ record: true } as Parameters<typeof resolveMachine>[0]);
    return { record: true };
  } catch {
    return { trace: true };
  }
}

/** The recorded trace a result carries (a run summary's or a replay outcome's `records` / `trace`), or null. */
export function recordedTrace(result: unknown): unknown {
  if (result === null || typeof result !== 'object') return null;
  const r = result as { records?: unknown; trace?: unknown; report?: unknown };
  if (r.report !== undefined) return recordedTrace(r.report);
  const t = r.records ?? r.trace;
  return t !== null && typeof t === 'object' && Array.isArray((t as { records?: unknown }).records) ? t : null;
}

/**
 * Export the trace of a finished run as the flags ask. `result` is what the command got
 * back: runInWorker's WorkerRunResult for `run`, the replay outcome for `replay`.
 */
export function exportTrace(result: unknown, flags: TraceFlags, title = 'upcall run'): TraceExport {
  if (!wantsTrace(flags)) return { ok: true, files: [], text: '' };
  const trace = recordedTrace(result) as RunTrace | null;
  if (trace === null) return { ok: false, message: `${NOT_AVAILABLE} (the run's result carries no recorded trace)` };
  const files: string[] = [];
  try {
    if (flags.trace !== undefined) {
      writeFileSync(flags.trace, JSON.stringify(toChromeTrace(trace)));
      files.push(flags.trace);
    }
    if (flags.html !== undefined) {
      writeFileSync(flags.html, htmlTimeline(trace, { title, highlight: highlightsOf(result, trace) }));
      files.push(flags.html);
    }
  } catch (e) {
    return { ok: false, message: `cannot write the trace: ${e instanceof Error ? e.message : String(e)}` };
  }
  return { ok: true, files, text: flags.timeline === true ? textTimeline(trace) : '' };
}

/**
 * What the HTML timeline highlights: the race windows the threads passed through, every
 * event a decision source landed (a replay string's interrupts, faults, revocations,
 * stalls) and, when the run failed, the failure at the end of the run.
 */
function highlightsOf(result: unknown, trace: RunTrace): NonNullable<HtmlTimelineOptions['highlight']> {
  const names = ['', 'irq', 'pf', 'rv', 'st'];
  const events = trace.records.filter((r) => r.kind === 'inject').map((r) => ({ time: r.time, cpu: r.cpu, label: `injected ${names[r.a] ?? 'event'} at ${r.pc}${r.threadLabel === null ? '' : ` (${r.threadLabel})`}` }));
  const r = (result ?? {}) as { ok?: unknown; failure?: unknown; report?: { ok?: unknown; message?: unknown } };
  const failed = r.ok === false || r.report?.ok === false;
  const why = typeof r.failure === 'string' ? r.failure : typeof r.report?.message === 'string' ? r.report.message : 'the run failed';
  const window = windowsOf(trace);
  return failed ? { window, events, failure: { time: trace.endTime, label: why.slice(0, 160) } } : { window, events };
}

/** The application race windows the run's threads passed through (window-enter/leave notes), as spans. */
export function windowsOf(trace: RunTrace): { from: number; to: number; label: string }[] {
  const open = new Map<string, number>();
  const out: { from: number; to: number; label: string }[] = [];
  for (const r of trace.records) {
    const key = `${r.proc}.${r.a}.${r.name ?? ''}.${r.b}`;
    if (r.kind === 'window-enter') open.set(key, r.time);
    else if (r.kind === 'window-leave') {
      const from = open.get(key);
      open.delete(key);
      if (from !== undefined) out.push({ from, to: r.time, label: `${r.name ?? '?'} #${r.b} of ${r.threadLabel ?? `T${r.a}`}` });
    }
  }
  for (const [key, from] of open) out.push({ from, to: trace.endTime, label: `${key.split('.')[2] ?? '?'} (never left)` });
  return out;
}
