/**
 * The layering rules of DESIGN 1, checked on the source text: kernel-sim/ is mechanism
 * and imports nothing from runtime/ or src/; runtime/ reaches the kernel only through
 * kernel-sim/abi.ts; shipped code never imports bench/ or test/; src/index.ts names
 * every export (no `export *`); every module opens with its purpose comment.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const p = join(dir, name);
    if (statSync(join(root, p)).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(join(root, file), 'utf8');
  return [...src.matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
}

/** Resolve a relative import to a path from the repository root. */
function target(file: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  return relative(root, join(root, file, '..', spec));
}

describe('layering', () => {
  it('kernel-sim imports nothing from runtime/ or src/', () => {
    for (const f of files('kernel-sim')) {
      for (const s of imports(f)) {
        const t = target(f, s);
        expect(t.startsWith('runtime') || t.startsWith('src'), `${f} imports ${s}`).toBe(false);
      }
    }
  });

  it('runtime reaches the kernel only through kernel-sim/abi.ts', () => {
    let checked = 0;
    for (const f of files('runtime')) {
      for (const s of imports(f)) {
        const t = target(f, s);
        if (t.startsWith('kernel-sim')) {
          checked++;
          expect(t, `${f} imports ${s}`).toBe('kernel-sim/abi');
        }
        expect(t.startsWith('src'), `${f} imports ${s}`).toBe(false);
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('shipped code never imports bench/ or test/', () => {
    for (const dir of ['kernel-sim', 'runtime', 'src']) {
      for (const f of files(dir)) {
        for (const s of imports(f)) {
          const t = target(f, s);
          expect(t.startsWith('bench') || t.startsWith('test'), `${f} imports ${s}`).toBe(false);
        }
      }
    }
  });

  it('src/index.ts and src/testing/index.ts name every export (no export *)', () => {
    for (const f of ['src/index.ts', 'src/testing/index.ts']) {
      const src = readFileSync(join(root, f), 'utf8');
      expect(src, f).not.toMatch(/export \*/);
    }
  });

  it('the package exports map and the build entries agree (upcall and upcall/testing)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; peerDependencies?: Record<string, string> };
    expect(Object.keys(pkg.exports)).toEqual(['.', './testing', './package.json']);
    const tsup = readFileSync(join(root, 'tsup.config.ts'), 'utf8');
    expect(tsup).toMatch(/entry: \{ index: 'src\/index\.ts', testing: 'src\/testing\/index\.ts' \}/);
    expect(tsup).toMatch(/splitting: true/); // one shared copy of the simulator for both entries
    expect(pkg.peerDependencies?.['fast-check']).toBeDefined(); // upcall/testing builds on the caller's fast-check
  });

  it('every module opens with a purpose comment', () => {
    for (const dir of ['kernel-sim', 'runtime', 'src']) {
      for (const f of files(dir)) {
        const src = readFileSync(join(root, f), 'utf8');
        expect(src.startsWith('/**'), `${f} has no header comment`).toBe(true);
      }
    }
  });
});
