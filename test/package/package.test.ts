/**
 * The package as users get it (issue 11): a copy of the working tree without dist/ (as a
 * fresh clone is) is packed with `npm pack`, whose prepack builds it; publint and attw
 * must find nothing; the tarball is installed into a scratch ESM project and a scratch
 * CommonJS project, and each runs a spawn/join program, an explore() of upcall/testing
 * and a fast-check property over schedules, and must print exactly what the same program
 * prints from source. The CJS build names its classes (ConfigError, not _class2), its
 * source maps hold relative paths, and loading both formats in one program throws the
 * dual-load error at load.
 *
 * Needs npm and the npm cache (or the registry) for fast-check and pure-rand; every
 * install is --prefer-offline, so after `npm ci` it reads the cache.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { inspect } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from '../../src/index';
import * as sourceTesting from '../../src/testing/index';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  main: string;
  module: string;
  types: string;
  exports: Record<string, unknown>;
  typesVersions: Record<string, Record<string, string[]>>;
  devDependencies: Record<string, string>;
};

/** What the build and the pack read (a fresh clone has these, and no dist/). */
const TREE = ['src', 'runtime', 'kernel-sim', 'package.json', 'tsup.config.ts', 'tsconfig.json', 'README.md', 'LICENSE', 'CHANGELOG.md'];

/**
 * The program both scratch projects run, and this file runs from source: `u` is upcall,
 * `t` upcall/testing, `fc` fast-check, `inspect` node:util's. It returns plain data.
 */
const PROGRAM = `
const out = {};

const m = new u.Machine({ cpus: 2, seed: 7 });
m.process({ mapping: 'M:N', activations: true, vcpus: 2 }, function* main() {
  function* square(n) {
    yield* u.compute(1000);
    return n * n;
  }
  const kids = [];
  for (let i = 1; i <= 10; i++) kids.push(yield* u.spawn(square, i));
  let sum = 0;
  for (const k of kids) sum += yield* u.join(k);
  return sum;
});
const r = m.run();
out.spawnJoin = { outcome: r.outcome.kind, result: r.processes[0].mainResult, endTime: r.endTime, traceHash: r.traceHash };

let count = 0;
const counter = {
  name: 'locked counter',
  machine: { cpus: 2 },
  setup(mm) {
    count = 0;
    mm.process({ vcpus: 2 }, function* main() {
      const lock = new u.Mutex('count');
      function* bump() {
        for (let i = 0; i < 3; i++) {
          yield* lock.lock();
          const seen = count;
          yield* u.compute(200);
          count = seen + 1;
          yield* lock.unlock();
        }
      }
      const kids = [];
      for (let i = 0; i < 4; i++) kids.push(yield* u.spawn(bump));
      for (const k of kids) yield* u.join(k);
      return count;
    });
  },
  check() {
    return count === 12 || 'count ' + count + ' != 12';
  },
};
const e = t.explore(counter, { strategy: t.random(), runs: 20 });
out.explore = { strategy: e.strategy, runs: e.runs, failures: e.failures, baselineOk: e.baseline.ok, distinct: e.distinctSchedules, ended: e.ended };

const details = fc.check(fc.property(t.schedule({ maxEvents: 2, maxStep: 200 }), (s) => t.runSchedule(counter, s).ok), { numRuns: 10, seed: 1 });
out.property = { failed: details.failed, numRuns: details.numRuns };

try {
  new u.Machine({ cpus: 0 });
  out.configError = null;
} catch (err) {
  out.configError = { name: err.name, constructor: err.constructor.name, instance: err instanceof u.ConfigError, code: err.code, inspected: inspect(err).split('\\n')[0] };
}
return out;
`;

const ESM_MAIN = `import * as u from 'upcall';
import * as t from 'upcall/testing';
import fc from 'fast-check';
import { inspect } from 'node:util';
console.log(JSON.stringify((function (u, t, fc, inspect) {${PROGRAM}})(u, t, fc, inspect)));
`;

const CJS_MAIN = `const u = require('upcall');
const t = require('upcall/testing');
const fc = require('fast-check');
const { inspect } = require('node:util');
console.log(JSON.stringify((function (u, t, fc, inspect) {${PROGRAM}})(u, t, fc, inspect)));
`;

/** import, then require: the require throws. */
const ESM_MIX = `import { createRequire } from 'node:module';
import { Machine } from 'upcall';
const require = createRequire(import.meta.url);
let out;
try {
  require('upcall/testing');
  out = { threw: false, machine: typeof Machine };
} catch (e) {
  out = { threw: true, name: e.name, code: e.code, message: e.message };
}
console.log(JSON.stringify(out));
`;

/** require, then import: the import rejects. */
const CJS_MIX = `const { Machine } = require('upcall');
import('upcall/testing').then(
  () => ({ threw: false, machine: typeof Machine }),
  (e) => ({ threw: true, name: e.name, code: e.code, message: e.message }),
).then((out) => console.log(JSON.stringify(out)));
`;

interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((done) => {
    execFile(file, args, { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
      done({ code, stdout, stderr: err !== null && stderr === '' ? String(err.message) : stderr });
    });
  });
}

function ok(r: Ran, what: string): Ran {
  expect(r.code, `${what} exited ${r.code}\n${r.stdout}\n${r.stderr}`).toBe(0);
  return r;
}

/** A package's bin script, run by this node. */
function bin(name: string, command: string): string {
  const file = join(root, 'node_modules', name, 'package.json');
  const b = (JSON.parse(readFileSync(file, 'utf8')) as { bin: string | Record<string, string> }).bin;
  return join(dirname(file), typeof b === 'string' ? b : (b[command] as string));
}

function lastJson(r: Ran, what: string): unknown {
  ok(r, what);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as unknown;
}

/** Every file path the package.json names for consumers, without the leading ./ */
function namedFiles(): string[] {
  const out = new Set<string>([pkg.main, pkg.module, pkg.types].map((p) => p.replace(/^\.\//, '')));
  const walk = (v: unknown): void => {
    if (typeof v === 'string') out.add(v.replace(/^\.\//, ''));
    else if (v !== null && typeof v === 'object') for (const w of Object.values(v)) walk(w);
  };
  walk(pkg.exports);
  walk(pkg.typesVersions);
  return [...out];
}

describe('the package (npm pack, publint, attw, installed ESM and CJS projects)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'upcall-package-'));
  const tree = join(tmp, 'upcall');
  const esm = join(tmp, 'esm');
  const cjs = join(tmp, 'cjs');
  let tarball = '';
  let listing: string[] = [];
  let publint: Ran;
  let attw: Ran;
  const outputs = new Map<string, unknown>();

  beforeAll(async () => {
    mkdirSync(tree);
    for (const p of TREE) cpSync(join(root, p), join(tree, p), { recursive: true });
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
    // the build is prepack's: nothing here runs tsup itself
    ok(await run('npm', ['pack', '--pack-destination', tmp, '--loglevel', 'error'], tree), 'npm pack');
    const tgz = readdirSync(tmp).filter((f) => f.endsWith('.tgz'));
    expect(tgz).toEqual([`${pkg.name}-${pkg.version}.tgz`]);
    tarball = join(tmp, tgz[0] as string);
    listing = ok(await run('tar', ['-tzf', tarball], tmp), 'tar').stdout.trim().split('\n').map((l) => l.replace(/^package\//, ''));

    const install = async (dir: string, type: 'module' | 'commonjs'): Promise<void> => {
      mkdirSync(dir);
      writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `scratch-${type}`, private: true, type }, null, 2)}\n`);
      ok(await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error', tarball, `fast-check@${pkg.devDependencies['fast-check']}`], dir), `npm install in ${dir}`);
      writeFileSync(join(dir, 'main.js'), type === 'module' ? ESM_MAIN : CJS_MAIN);
      writeFileSync(join(dir, 'mix.js'), type === 'module' ? ESM_MIX : CJS_MIX);
    };
    [publint, attw] = await Promise.all([
      run(process.execPath, [bin('publint', 'publint'), 'run', tarball, '--strict'], tmp),
      run(process.execPath, [bin('@arethetypeswrong/cli', 'attw'), tarball, '--format', 'table-flipped'], tmp),
      install(esm, 'module'),
      install(cjs, 'commonjs'),
    ]);
    const runs = await Promise.all(
      [esm, cjs].flatMap((dir) => ['main.js', 'mix.js'].map(async (f) => [`${dir === esm ? 'esm' : 'cjs'}/${f}`, lastJson(await run(process.execPath, [f], dir), `${dir}/${f}`)] as const)),
    );
    for (const [k, v] of runs) outputs.set(k, v);
  }, 300_000);

  afterAll(() => {
    rmSync(tmp, { recursive: true, force: true });
  });

  it('npm pack builds (prepack) and ships every file package.json names, the docs and no sources', () => {
    for (const f of namedFiles()) expect(listing, f).toContain(f);
    for (const f of ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', 'dist/worker-thread.js', 'dist/worker-thread.cjs']) expect(listing, f).toContain(f);
    expect(listing.filter((f) => !f.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f))).toEqual([]);
    expect(listing.some((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.cts'))).toBe(false);
  });

  it('publint and attw find nothing', () => {
    expect(publint.code, `${publint.stdout}\n${publint.stderr}`).toBe(0);
    expect(publint.stdout).toContain('All good!');
    expect(attw.code, `${attw.stdout}\n${attw.stderr}`).toBe(0);
    expect(attw.stdout).toContain('No problems found');
  });

  it('the CJS build names its classes, and every source map holds relative paths to files that exist', () => {
    const dist = join(tree, 'dist');
    const req = createRequire(join(dist, 'index.cjs'));
    const u = req('./index.cjs') as typeof source;
    const e = new u.ConfigError('x');
    expect(e.constructor.name).toBe('ConfigError');
    expect(inspect(e).split('\n')[0]).toBe('ConfigError: x');
    const maps = readdirSync(dist).filter((f) => f.endsWith('.map'));
    expect(maps.length).toBeGreaterThanOrEqual(6);
    for (const f of maps) {
      const map = JSON.parse(readFileSync(join(dist, f), 'utf8')) as { sources: string[] };
      for (const s of map.sources) {
        expect(isAbsolute(s) || s.startsWith('file:'), `${f}: ${s}`).toBe(false);
        expect(existsSync(resolve(dist, s)), `${f}: ${s} does not exist`).toBe(true);
      }
    }
  });

  it('from source, the program gives the results it should', () => {
    const out = new Function('u', 't', 'fc', 'inspect', PROGRAM)(source, sourceTesting, fc, inspect) as Record<string, unknown>;
    expect(out['spawnJoin']).toMatchObject({ outcome: 'completed', result: 385 });
    expect(out['explore']).toMatchObject({ strategy: 'random', runs: 20, failures: 0, baselineOk: true });
    expect(out['property']).toEqual({ failed: false, numRuns: 10 });
    expect(out['configError']).toMatchObject({ name: 'ConfigError', constructor: 'ConfigError', instance: true, code: 'ERR_CONFIG' });
    outputs.set('source', out);
  });

  it.each(['esm', 'cjs'])('the installed package in a scratch %s project prints what the source does', (kind) => {
    const out = outputs.get(`${kind}/main.js`) as Record<string, unknown>;
    const fromSource = outputs.get('source') ?? new Function('u', 't', 'fc', 'inspect', PROGRAM)(source, sourceTesting, fc, inspect);
    expect(out).toEqual(fromSource);
    expect((out['configError'] as { inspected: string }).inspected).toMatch(/^ConfigError: /);
  });

  it.each(['esm', 'cjs'])('in a scratch %s project, loading the other format too throws the dual-load error at load', (kind) => {
    expect(outputs.get(`${kind}/mix.js`)).toMatchObject({
      threw: true,
      name: 'ConfigError',
      code: 'ERR_CONFIG',
      message: expect.stringMatching(/^upcall was loaded twice in one program, as (an ES module \(import\)|CommonJS \(require\)) .* Mixing import and require of upcall is not supported/),
    });
  });
});
