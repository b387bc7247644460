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

  it('src/index.ts names every export (no export *)', () => {
    const src = readFileSync(join(root, 'src/index.ts'), 'utf8');
    expect(src).not.toMatch(/export \*/);
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
