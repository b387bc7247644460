/**
 * The `upcall` command. `main(argv, io)` runs one command and resolves to its exit code
 * (0 ok, 1 a failure found, 2 a usage error); the tests call it in-process with a
 * capturing Io. `start()` is what the bin does (bin.js, built to dist/cli.js with its
 * shebang): run the command line, or, in one of the CLI's worker threads (which load the
 * bin too), the worker role (worker-role.ts). From source, `tsx src/cli/main.ts ...` runs
 * the command line as well.
 *
 * Everything else is loaded on demand, so a worker loads no parser and `--help` no simulator.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, workerData } from 'node:worker_threads';
import type { Io } from './io';

export type { Io } from './io';

export interface MainOptions {
  /** The module the CLI's workers load (default: the bin): a checkout is found from it too. */
  readonly entryUrl?: string;
  /** Where relative paths start (default: process.cwd()). */
  readonly cwd?: string;
}

export async function main(argv: readonly string[], io?: Io, options: MainOptions = {}): Promise<number> {
  const { processIo } = await import('./io');
  const { cli } = await import('./program');
  return cli(argv, { io: io ?? processIo(), entryUrl: options.entryUrl ?? BIN, cwd: options.cwd ?? process.cwd() });
}

/** Run as the `upcall` program, or as the worker role in a CLI worker thread. */
export function start(): void {
  if (isCliWorker(workerData)) {
    void import('./worker-role').then((w) => w.startWorker());
    return;
  }
  // a closed pipe (upcall ... | head) ends the output, not the program with an EPIPE trace
  for (const s of [process.stdout, process.stderr]) s.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`upcall: internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

/** Which build this is (tsup defines it; undefined from source). */
declare const __UPCALL_FORMAT__: 'esm' | 'cjs' | undefined;
const FORMAT = typeof __UPCALL_FORMAT__ === 'string' ? __UPCALL_FORMAT__ : null;

/** This module's URL (tsup's shims would name a shared chunk in the CommonJS build; only used from source and in ESM). */
const HERE: string = import.meta.url;

/**
 * The bin, which workers load: dist/cli.js (or .cjs) beside whichever file of dist/ holds
 * this code, or src/cli/bin.js from source.
 */
const BIN: string = FORMAT === 'cjs' ? new URL('./cli.cjs', pathToFileURL(`${__dirname}/`)).href : new URL(FORMAT === 'esm' ? './cli.js' : './bin.js', HERE).href;

function isCliWorker(d: unknown): boolean {
  return !isMainThread && d !== null && typeof d === 'object' && (d as { upcallCliWorker?: unknown }).upcallCliWorker === true;
}

// From source only (`tsx src/cli/main.ts ...`): the built bin calls start() itself.
if (FORMAT === null && isMainThread && process.argv[1] !== undefined) {
  let direct = false;
  try {
    direct = realpathSync(process.argv[1]) === realpathSync(fileURLToPath(HERE));
  } catch {
    direct = false;
  }
  if (direct) start();
}
