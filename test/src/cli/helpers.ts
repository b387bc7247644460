/** Running the CLI in-process for the tests: main(argv) with a capturing Io, from the repository root. */
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main';
import type { MainOptions } from '../../../src/cli/main';
import { captureIo } from '../../../src/cli/io';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = 'test/src/cli/fixtures';

export interface Ran {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function upcall(argv: readonly string[], options: MainOptions = {}): Promise<Ran> {
  const io = captureIo();
  const code = await main(argv, io, { cwd: ROOT, ...options });
  return { code, out: io.stdout(), err: io.stderr() };
}

/** The words of a command line as a POSIX shell splits them (plain words and '...' quoting, as the CLI prints them). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new Error(`unbalanced quote in ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '\\' && i + 1 < line.length) {
      cur += line[++i];
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}
