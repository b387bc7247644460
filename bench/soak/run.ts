/**
 * `npm run soak [-- --runs N | --seconds S] [--from I]`: the soak (bench/soak/soak.ts).
 * The default (--seconds 40) suits CI; a long soak is `--seconds 3600` or `--runs 100000`.
 * Prints the runs and instructions covered and every failing run with its index
 * (`soakOnce(index)` replays it). Exit code 1 when a run failed.
 */
import { parseArgs } from 'node:util';
import { soakOnce } from './soak';
import type { SoakRun } from './soak';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seconds: { type: 'string', default: '40' }, from: { type: 'string', default: '0' } } });
const runs = values.runs === undefined ? Infinity : Number(values.runs);
const seconds = values.runs === undefined ? Number(values.seconds) : Infinity;
const from = Number(values.from);
if (!(runs >= 1) || !(seconds > 0) || !Number.isSafeInteger(from)) throw new Error('usage: --runs N (>= 1) or --seconds S (> 0), --from I (an integer)');

const t0 = performance.now();
const failed: SoakRun[] = [];
let n = 0;
let instructions = 0;
let injected = 0;
const variants = new Set<string>();
while (n < runs && performance.now() - t0 < seconds * 1000) {
  const r = soakOnce(from + n);
  n++;
  instructions += r.instructions;
  injected += r.injected;
  for (const v of r.variants) variants.add(v);
  if (!r.ok) failed.push(r);
}
const s = (performance.now() - t0) / 1000;
console.log(`soak: ${n} runs (indices ${from}..${from + n - 1}) in ${s.toFixed(1)} s, ${instructions.toLocaleString('en-US')} instructions, ${injected.toLocaleString('en-US')} injected events, mappings ${[...variants].sort().join(', ')}; every step-level invariant checked`);
console.log(`  failed: ${failed.length}`);
for (const f of failed.slice(0, 20)) console.log(`  FAIL run ${f.index} [${f.variants.join(', ')}] ${JSON.stringify(f.attack)}: ${f.why}`);
process.exitCode = failed.length > 0 ? 1 : 0;
