/**
 * Where the CLI writes, and its exit codes. Every command writes through an Io, never to
 * process.stdout directly, so the tests call main(argv, io) in-process and read what a
 * shell would have seen.
 *
 * Exit codes (the same for every command):
 *   0  ok: the run completed, the exploration found nothing, the replay passed
 *   1  a failure was found: explore found a failing schedule, a run or replay ended in a
 *      failure outcome (deadlock, livelock, fault, ...), or a thread never yielded (hang)
 *   2  a usage error: an unknown flag, a bad value, a missing or unusable module
 */

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface Io {
  /** Standard output: results (the report, the JSON of --json). */
  out(text: string): void;
  /** Standard error: diagnostics, notes and the progress bar's absence of noise. */
  err(text: string): void;
  /** Standard error is a terminal (the progress bar is drawn only then). */
  readonly errIsTTY: boolean;
  /** Child processes (demo, paper, bench) may write to the real terminal. */
  readonly inherit: boolean;
}

/** The process's own streams. */
export function processIo(): Io {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    errIsTTY: process.stderr.isTTY === true,
    inherit: true,
  };
}

/** An Io that keeps everything written, for tests. */
export interface CapturedIo extends Io {
  readonly stdout: () => string;
  readonly stderr: () => string;
}

export function captureIo(): CapturedIo {
  let o = '';
  let e = '';
  return {
    out: (t) => void (o += t),
    err: (t) => void (e += t),
    errIsTTY: false,
    inherit: false,
    stdout: () => o,
    stderr: () => e,
  };
}

/**
 * A mistake in how the command was called: printed as `upcall <command>: <message>` and
 * exit code 2. The message says what to fix.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `text` with a final newline. */
export function line(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}
