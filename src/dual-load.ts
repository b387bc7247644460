/**
 * The dual-load guard. upcall ships two builds, an ES module one (`import`) and a
 * CommonJS one (`require`), and each is a whole copy of the simulator: its thread
 * registers, its classes, its code maps. A program that imports `upcall` and requires
 * `upcall/testing` (or the reverse) would run threads built by one copy on a machine of
 * the other, and every thread operation would throw OutsideThreadError far from the
 * cause. Both entries of both builds import this module first; it records the build that
 * loaded in a registry on globalThis and throws a ConfigError at load, naming both
 * copies, when a build of the other format loads in the same realm.
 *
 * Invariants:
 *  1. Its one effect is a non-enumerable, non-writable property of globalThis under
 *     Symbol.for('upcall.loaded'); the only other module with an effect at load is
 *     worker-thread.ts (and it acts only inside runInWorker's worker).
 *  2. Only a different format throws: the same build loaded again (a module registry
 *     reset, another installed copy of the same format) is allowed.
 *  3. From source (tsx, vitest) it records and checks nothing: __UPCALL_FORMAT__ is
 *     defined by the build (tsup.config.ts) only.
 *  4. A worker thread is a realm of its own: runInWorker's worker may load either build.
 */
import { ConfigError } from '../kernel-sim/errors';

/** 'esm' or 'cjs' in a build (replaced by tsup's define); undeclared when run from source. */
declare const __UPCALL_FORMAT__: 'esm' | 'cjs' | undefined;

/** What the first build to load in this realm left on globalThis. */
interface LoadRecord {
  readonly format: 'esm' | 'cjs';
  /** The file of that copy's shared chunk. */
  readonly url: string;
}

const KEY = Symbol.for('upcall.loaded');

const FORMAT = typeof __UPCALL_FORMAT__ === 'string' ? __UPCALL_FORMAT__ : null;
if (FORMAT !== null) guard(FORMAT, import.meta.url);

function guard(format: 'esm' | 'cjs', url: string): void {
  const first = (globalThis as Record<symbol, LoadRecord | undefined>)[KEY];
  if (first === undefined) {
    Object.defineProperty(globalThis, KEY, { value: Object.freeze({ format, url }), enumerable: false, writable: false, configurable: false });
    return;
  }
  if (first.format === format) return;
  throw new ConfigError(
    `upcall was loaded twice in one program, as ${how(first.format)} (${first.url}) and now as ${how(format)} (${url}). `
    + "Mixing import and require of upcall is not supported, not even one for 'upcall' and the other for 'upcall/testing': "
    + 'each format is a separate copy of the simulator, and threads of one would throw OutsideThreadError on a machine of the other. '
    + "Use one of them for both entries: import from 'upcall' and 'upcall/testing', or require('upcall') and require('upcall/testing')",
  );
}

function how(format: 'esm' | 'cjs'): string {
  return format === 'esm' ? 'an ES module (import)' : 'CommonJS (require)';
}
