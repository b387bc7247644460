/**
 * `npm run fuzz [-- --runs N --from S --json]`: the isolation fuzzer, long (default
 * 10,000 seeded runs from seed 1). Prints the figures issue 9 asks for and the first
 * runs that broke a rule, each with the seed that replays it (`fuzzOnce(seed, seed)`).
 * Exit code 1 when any run broke a rule.
 */
import { parseArgs } from 'node:util';
import { fuzzOnce, summarize, VARIANTS } from './harness';
import type { FuzzResult } from './harness';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10000' }, from: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
const runs = Number(values.runs);
const from = Number(values.from);
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number >= 1, got ${values.runs}`);
if (!Number.isSafeInteger(from)) throw new Error(`--from must be a whole number, got ${values.from}`);

const rs: FuzzResult[] = [];
const t0 = performance.now();
for (let i = 0; i < runs; i++) {
  rs.push(fuzzOnce(from + i, from + i));
  if (!values.json && (i + 1) % 1000 === 0) process.stderr.write(`  ${i + 1}/${runs} runs\n`);
}
const ms = performance.now() - t0;
const s = summarize(rs);
const pct = (a: number, b: number): string => (b === 0 ? 'n/a' : `${((100 * a) / b).toFixed(1)}%`);
if (values.json) {
  console.log(JSON.stringify({ ...s, bad: s.bad.map((b) => ({ seed: b.seed, variant: b.variant, attack: b.attack, outcome: b.outcome, message: b.message })), hostMs: Math.round(ms) }));
} else {
  const fieldRuns = rs.filter((r) => r.attack.kind === 'field').length;
  console.log(`isolation fuzz: ${s.runs} runs (seeds ${from}..${from + runs - 1}), ${VARIANTS.length} mapping variants, ${s.instructions.toLocaleString('en-US')} instructions, ${(ms / 1000).toFixed(1)} s host`);
  console.log(`  attacks: ${fieldRuns} field writes, ${s.runs - fieldRuns} bare instructions; landed before the attacker finished: ${s.landed}`);
  console.log(`  run() threw:                              ${s.threw}`);
  console.log(`  victim wrong or unfinished:               ${s.victimWrong}`);
  console.log(`  attacker ended by a fault:                ${s.attackerFaults}, naming the field or instruction: ${s.faultsNamed} (${pct(s.faultsNamed, s.attackerFaults)})`);
  console.log(`  attacker finished anyway (value harmless): ${s.attackerExited}`);
  console.log(`  attacker stuck at the end (its own loss):  ${s.attackerStuck}`);
  for (const b of s.bad) console.log(`  BAD seed ${b.seed} ${b.variant} ${JSON.stringify(b.attack)}: ${b.outcome} ${b.message}`);
}
process.exitCode = s.bad.length > 0 ? 1 : 0;
