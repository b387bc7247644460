/**
 * Finding things on disk: the user's module (an app or a scenario), upcall's own package
 * root and whether it is a checkout (examples/ and bench/ are there, tsx is installed),
 * and tsx's ESM register API for worker threads that load TypeScript.
 */
import { tsxApi } from '../worker';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from './io';

export const TS_FILE = /\.(?:ts|mts|cts|tsx)$/;
const JS_FILE = /\.(?:js|mjs|cjs)$/;

/**
 * The absolute path of a module the user named, or a UsageError that says what is wrong
 * and what the module must be (`what`: "the app module", "the scenario module").
 */
export function userModule(path: string, what: string, cwd: string = process.cwd()): string {
  const file = resolve(cwd, path);
  if (!existsSync(file)) throw new UsageError(`${what} '${path}' does not exist (looked for ${file}); pass the path of a .ts or .js file`);
  if (!statSync(file).isFile()) throw new UsageError(`${what} '${path}' is not a file (${file}); pass the path of a .ts or .js file`);
  if (!TS_FILE.test(file) && !JS_FILE.test(file)) throw new UsageError(`${what} '${path}' is neither TypeScript nor JavaScript (.ts, .mts, .js, .mjs, .cjs)`);
  return file;
}

/** upcall's package root: the nearest folder above `fromUrl` whose package.json is named upcall. */
export function packageRoot(fromUrl: string): string | null {
  let dir = dirname(fileURLToPath(fromUrl));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'upcall') return dir;
      } catch {
        // not a package.json we can read: keep looking
      }
    }
    const up = dirname(dir);
    if (up === dir) return null;
    dir = up;
  }
}

/** tsx's command-line entry, resolved from `base` (a folder), or null when tsx is not installed there. */
export function tsxCli(base: string): string | null {
  try {
    const pkgFile = createRequire(join(base, 'package.json')).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['tsx'];
    return typeof bin === 'string' ? join(dirname(pkgFile), bin) : null;
  } catch {
    return null;
  }
}

/**
 * A script of upcall's checkout (`examples/demo.ts`, `bench/run.ts`) and the tsx that runs
 * it; null when upcall runs from an installed package (which ships dist/ only) or tsx is
 * missing.
 */
export function checkoutScript(entryUrl: string, script: string): { root: string; script: string; tsx: string } | null {
  const root = packageRoot(entryUrl);
  if (root === null) return null;
  const file = join(root, script);
  if (!existsSync(file)) return null;
  const tsx = tsxCli(root);
  return tsx === null ? null : { root, script: file, tsx };
}

/** File URL of tsx's ESM register API (tsx >= 4), found from the first of `files` whose folder has tsx installed, or null. */
export function tsxRegisterApi(files: readonly string[]): string | null {
  return tsxApi(files);
}
