/** What every command gets: where to write, where upcall's entry is (to start workers and find a checkout), the working directory. */
import type { Io } from './io';

export interface Context {
  readonly io: Io;
  /** URL of the CLI's entry module (src/cli/main.ts, or dist/cli.js): workers load it. */
  readonly entryUrl: string;
  readonly cwd: string;
}

/** Exit code 2 with `upcall <command>: <message>` on stderr. */
export function usage(ctx: Context, command: string, message: string): number {
  ctx.io.err(`upcall ${command}: ${message}\n`);
  return 2;
}
