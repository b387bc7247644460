import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm', 'cjs'],
  // one copy of the simulator shared by both entries (the argument registers and the
  // classes are module state): upcall and upcall/testing must agree on them, in CJS too
  splitting: true,
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  outDir: 'dist',
});
