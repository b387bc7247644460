import { defineConfig } from 'tsup';

export default defineConfig({
  // worker-thread: the code runInWorker starts in its worker (a file of its own; it shares the chunks);
  // cli: the `upcall` bin (package.json bin: dist/cli.js), from src/cli/bin.js and its shebang
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts', 'worker-thread': 'src/worker-thread.ts', cli: 'src/cli/bin.js' },
  format: ['esm', 'cjs'],
  // one copy of the simulator shared by both entries (the argument registers and the
  // classes are module state): upcall and upcall/testing must agree on them, in CJS too
  splitting: true,
  // rollup, not tsup's sucrase pass, turns the split ESM chunks into CJS: classes keep
  // their names (ConfigError, not _class2) and the source maps keep relative paths
  treeshake: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CJS build (runInWorker finds its worker entry next to itself)
  shims: true,
  outDir: 'dist',
  esbuildOptions(options, { format }) {
    // which build this is, for the dual-load guard (src/dual-load.ts); undefined from source
    options.define = { ...options.define, __UPCALL_FORMAT__: JSON.stringify(format) };
  },
});
