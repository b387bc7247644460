/**
 * The layering rules of DESIGN 1, checked on the source text: kernel-sim/ is mechanism
 * and imports nothing from runtime/ or src/; runtime/ reaches the kernel only through
 * kernel-sim/abi.ts; shipped code never imports bench/ or test/; src/index.ts names
 * every export (no `export *`); every module opens with its purpose comment. And the
 * protocol's structure: no value-import cycles; the kernel's copy of the resume bit has
 * one writer (kernel-sim/protocol.ts); a vCPU's `current` and the clearing of `disabled`
 * belong to runtime/dispatcher.ts; every dispatcher routine asserts at its first pc that
 * it runs disabled; every routine sits in a file named for its code-map symbol.
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
    expect(tsup).toMatch(/entry: \{ index: 'src\/index\.ts', testing: 'src\/testing\/index\.ts', 'worker-thread': 'src\/worker-thread\.ts', cli: 'src\/cli\/bin\.js' \}/);
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

/** Value imports (not `import type`) of a file, resolved to repository paths. */
function valueImports(file: string): string[] {
  const src = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(/^\s*(?:import|export)\s+(?!type\b)([^'";]*?)\s+from\s+['"](\.[^'"]+)['"]/gm)) {
    out.push(`${target(file, m[2] as string)}.ts`);
  }
  return out;
}

describe('the protocol\'s structure', () => {
  const shipped = ['kernel-sim', 'runtime', 'src'].flatMap((d) => files(d));

  it('no value-import cycles', () => {
    const graph = new Map(shipped.map((f) => [f, valueImports(f)] as const));
    const state = new Map<string, 1 | 2>();
    const stack: string[] = [];
    const cycles: string[] = [];
    const visit = (n: string): void => {
      state.set(n, 1);
      stack.push(n);
      for (const m of graph.get(n) ?? []) {
        if (state.get(m) === 1) cycles.push([...stack.slice(stack.indexOf(m)), m].join(' -> '));
        else if (!state.has(m) && graph.has(m)) visit(m);
      }
      stack.pop();
      state.set(n, 2);
    };
    for (const f of graph.keys()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  const writers = (pattern: RegExp): string[] => shipped.filter((f) => pattern.test(readFileSync(join(root, f), 'utf8')));

  it('the kernel copy of the resume bit has one writer: kernel-sim/protocol.ts', () => {
    expect(writers(/\.kdisabled\s*=[^=]/)).toEqual(['kernel-sim/protocol.ts']);
  });

  it('only runtime/dispatcher.ts sets a vCPU\'s current thread or clears `disabled` (the CPU executes the enable instruction it issues)', () => {
    expect(writers(/\.current\s*=[^=]/)).toEqual(['runtime/dispatcher.ts']);
    expect(writers(/\.disabled\s*=\s*0\b/).sort()).toEqual(['kernel-sim/cpu.ts', 'runtime/dispatcher.ts']);
    expect(shipped.filter((f) => f.startsWith('runtime') && /\bOP_ENABLE\b/.test(readFileSync(join(root, f), 'utf8')))).toEqual(['runtime/dispatcher.ts']);
  });

  it('every dispatcher routine asserts at its first pc that it runs disabled', async () => {
    const { ROUTINES } = await import('../runtime/routines/index');
    for (const r of ROUTINES) {
      const x = { pc: 0, r0: undefined, r1: undefined, r2: undefined, r3: undefined, disp: { disabled: 0, kthread: false, name: 'p.v0', udisp: undefined as unknown } };
      x.disp.udisp = { shared: x.disp };
      expect(() => r.step(x as never), r.name).toThrow(/entered while p\.v0 is enabled/);
    }
  });

  it('every routine lives in a file named for its code-map symbol (run, sched, resume: the dispatcher\'s own)', async () => {
    const { ROUTINES } = await import('../runtime/routines/index');
    const own = ['run', 'sched', 'resume'];
    for (const r of ROUTINES) {
      if (own.includes(r.name)) continue;
      const file = `runtime/routines/${r.name}.ts`;
      expect(readFileSync(join(root, file), 'utf8'), file).toContain(`name: '${r.name}'`);
    }
  });
});
