/**
 * Host benchmark (`npm run bench`): how fast the simulator runs on the host, against the
 * raw V8 generator floors and the peers (Effect 4 fibers, async/await) measured in the
 * same process and the same rounds, under every execution model. Prints benny's own
 * output, the goals table (every goal with its ratio and whether it is met) and the case
 * table; writes bench/results.json and the generated section of bench/RESULTS.md.
 *
 * Host time is measured only in bench/; the simulated figures come from the run
 * reports. Memory and scale run in child processes (bench/memory.ts and bench/scale.ts,
 * --expose-gc). `--quick` is a short smoke run at small sizes that writes nothing;
 * `--only scale` runs only the scale part (bench/scale-suite.ts) and writes nothing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCases } from './cases';
import { evaluateGoals, goalTable } from './goals';
import type { MemoryResult } from './goals';
import { fmt, nsOf, runRound, spreadOf } from './measure';
import type { BennyLine, CaseSpec, Rounds } from './measure';
import { raceBench, raceTable } from './race';
import { QUICK_SCALE_SIZES, SCALE_SIZES, scaleBench } from './scale-suite';
import { CONFIGS } from './scenarios/configs';

const QUICK = process.argv.includes('--quick');
/** `--only <part>`: run that part alone (known: scale). */
const ONLY = ((): string | null => {
  const i = process.argv.indexOf('--only');
  if (i < 0) return null;
  const p = process.argv[i + 1];
  if (p !== 'scale') throw new Error(`bench: --only ${String(p)}: unknown part (known: scale)`);
  return p;
})();
const HERE = dirname(fileURLToPath(import.meta.url));
const ROUNDS = QUICK ? 1 : 5;
const CASE_OPTIONS = QUICK ? { minSamples: 2, maxTime: 0.2 } : { minSamples: 10, maxTime: 1.5 };
const BYTES_N = QUICK ? 10_000 : 100_000;
const SCALE_N = QUICK ? [10_000, 50_000] : [100_000, 1_000_000];
const SPAWN_N = QUICK ? [2_000, 10_000] : [10_000, 100_000];
/** The 1 GB goal, checked by V8 itself: the largest default run under this old-space limit. */
const HEAP_LIMIT_MIB = 1024;

function child(args: readonly string[], heapMiB = 8192): unknown {
  const out = execFileSync(process.execPath, [`--max-old-space-size=${heapMiB}`, '--expose-gc', '--import', 'tsx', joinPath(HERE, 'memory.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

function memoryBench(): MemoryResult & { heapLimitRun: { n: number; limitMiB: number; ok: boolean; detail: string } } {
  console.log('== memory and scale (child processes, --expose-gc)');
  const bare = child(['bare', String(BYTES_N)]) as { bareBytesPerGenerator: number };
  const bytes = CONFIGS.map((c) => child(['bytes', c.id, String(BYTES_N)]) as MemoryResult['bytes'][number]);
  const scale = CONFIGS.flatMap((c) => SCALE_N.map((n) => child(['scale', c.id, String(n)]) as MemoryResult['scale'][number]));
  const spawnJoin = CONFIGS.flatMap((c) => SPAWN_N.map((n) => child(['spawnjoin', c.id, String(n)]) as MemoryResult['spawnJoin'][number]));
  const n = SCALE_N[SCALE_N.length - 1] as number;
  let heapLimitRun = { n, limitMiB: HEAP_LIMIT_MIB, ok: true, detail: 'completed' };
  try {
    child(['scale', 'sa', String(n)], HEAP_LIMIT_MIB);
  } catch (e) {
    const msg = String((e as { stderr?: unknown }).stderr ?? e);
    heapLimitRun = { n, limitMiB: HEAP_LIMIT_MIB, ok: false, detail: /heap out of memory|Allocation failed/.test(msg) ? 'heap out of memory' : msg.slice(0, 200) };
  }
  for (const b of bytes) console.log(`  bytes/blocked thread [${b.config}]: ${fmt(b.bytesPerThread)} B (bare generator ${fmt(bare.bareBytesPerGenerator)} B)`);
  for (const s of scale) console.log(`  block-release-join [${s.config}] N=${s.n}: ${fmt(s.nsPerThread)} ns/thread, peak ${fmt(s.peakHeapMiB)} MiB`);
  for (const s of spawnJoin) console.log(`  spawn-join [${s.config}] N=${s.n}: ${fmt(s.usPerThread)} µs/thread`);
  console.log(`  N=${n} [sa] under --max-old-space-size=${HEAP_LIMIT_MIB}: ${heapLimitRun.detail}`);
  return { bytes, bareBytesPerGenerator: bare.bareBytesPerGenerator, scale, spawnJoin, heapLimitRun };
}

function caseTable(cases: readonly CaseSpec[], m: Rounds): string {
  const head = ['case', 'unit', 'units/call', 'host ns/unit', 'spread', 'sim ns/unit', 'sim instr/unit', 'host ns/sim instr', 'trace hash'];
  const lines = cases.map((c) => {
    const ns = nsOf(m, c.name);
    const r = c.report;
    const instr = r?.counts.instructions ?? 0;
    return [`\`${c.name}\``, c.unit, c.units.toLocaleString('en-US'), fmt(ns), `${spreadOf(m, c.name).toFixed(0)}%`,
      r !== null ? fmt(r.endTime / c.units) : '—', r !== null ? fmt(instr / c.units) : '—', r !== null ? fmt((ns * c.units) / instr) : '—', r !== null ? r.traceHash : '—'];
  });
  const align = ['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---'];
  return [head, align, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  if (ONLY === 'scale') {
    const rows = scaleBench(QUICK ? QUICK_SCALE_SIZES : SCALE_SIZES);
    console.log(`\n## Scale goals (${rows.filter((g) => g.met).length} of ${rows.length} met)\n\n${goalTable(rows)}\n(--only scale: nothing written)`);
    return;
  }
  const started = Date.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  const cases = await buildCases();
  const rounds: Rounds = new Map();
  const benny: BennyLine[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`== round ${round} of ${ROUNDS}`);
    await runRound(cases, CASE_OPTIONS, rounds, benny);
  }
  const mem = memoryBench();
  const scaleGoals = scaleBench(QUICK ? QUICK_SCALE_SIZES : SCALE_SIZES);
  console.log('== race finding (explore)');
  const race = raceBench(QUICK);
  const exhaustive = race.find((r) => r.name === 'exhaustive, resume window, check off, every placement');
  const runsPerSecond = exhaustive !== undefined ? (1000 * exhaustive.runs) / exhaustive.hostMsMedian : NaN;
  const goals = evaluateGoals(rounds, mem, runsPerSecond);
  const n = mem.heapLimitRun.n;
  goals.push({ config: 'sa', metric: `${n.toLocaleString('en-US')} threads under --max-old-space-size=${HEAP_LIMIT_MIB}`, goal: 'completes (V8 enforces the limit)', measured: mem.heapLimitRun.detail, value: mem.heapLimitRun.ok ? 1 : 0, met: mem.heapLimitRun.ok });
  goals.push(...scaleGoals);
  const loadAfter = os.loadavg()[0] ?? 0;
  const wallSeconds = (Date.now() - started) / 1000;

  const cpus = os.cpus();
  const env = {
    date: new Date().toISOString(),
    command: QUICK ? 'npm run bench -- --quick' : 'npm run bench',
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    benchmarkOptions: CASE_OPTIONS,
    rounds: ROUNDS,
    wallSeconds,
    loadAvg1: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)) },
  };
  const gt = goalTable(goals);
  const ct = caseTable(cases, rounds);
  const rt = raceTable(race);
  const met = goals.filter((g) => g.met).length;
  const bennyText = benny.map((b) => `- ${b.suite}: ${b.text}`).join('\n');
  console.log(`\n## Goals (${met} of ${goals.length} met)\n\n${gt}\n\n## Cases\n\n${ct}\n\n## Race finding\n\n${rt}`);
  console.log(`\n${env.node} (V8 ${env.v8}), ${env.cpuModel} × ${env.cores}, ${env.platform}; wall ${wallSeconds.toFixed(1)} s; load ${env.loadAvg1.before} → ${env.loadAvg1.after}`);
  if (QUICK) {
    console.log('(--quick: nothing written)');
    return;
  }
  const json = { env, configs: CONFIGS, goals, cases: cases.map((c) => ({ name: c.name, group: c.group, unit: c.unit, units: c.units, roundsNsPerUnit: rounds.get(c.name), traceHash: c.report?.traceHash ?? null, simInstructions: c.report?.counts.instructions ?? null, simEndTime: c.report?.endTime ?? null })), memory: mem, race, benny };
  writeFileSync(joinPath(HERE, 'results.json'), JSON.stringify(json, null, 2) + '\n');
  const section = [
    BEGIN,
    `## Latest run: ${env.date.slice(0, 10)}`,
    '',
    `- Command: \`${env.command}\` (wall ${wallSeconds.toFixed(0)} s). Benchmark.js via benny 3.7.1; ${ROUNDS} rounds, each case ≥ ${CASE_OPTIONS.minSamples} samples and ≤ ${CASE_OPTIONS.maxTime} s per round. A case's figure is the median over rounds of its round's median sample ÷ units per call; every ratio is the median of the per-round ratios of two cases measured in the same round. Memory and scale: bench/memory.ts in child processes (heap after a full GC).`,
    `- Machine: Node ${env.node} (V8 ${env.v8}), ${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.platform}; 1-min load ${env.loadAvg1.before} before, ${env.loadAvg1.after} after (the bench adds about 1).`,
    '',
    `### Goals: ${met} of ${goals.length} met`,
    '',
    gt,
    '',
    '### Cases',
    '',
    ct,
    '',
    '### benny',
    '',
    bennyText,
    '',
    '### Race finding (explore, host time; examples/race-resume.ts and examples/race-bank.ts)',
    '',
    'Each exploration ran 7 times in the same process; host ms is the median wall time of one whole `explore()` call (baseline run, strategy runs, determinism self-check and shrinking included).',
    '',
    rt,
    END,
  ].join('\n');
  const file = joinPath(HERE, 'RESULTS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Host benchmark results\n\n';
  const b = old.indexOf(BEGIN);
  const e = old.indexOf(END);
  writeFileSync(file, b >= 0 && e > b ? old.slice(0, b) + section + old.slice(e + END.length) : `${old.trimEnd()}\n\n${section}\n`);
  console.log('wrote bench/results.json and bench/RESULTS.md');
}

const BEGIN = '<!-- bench:generated:begin -->';
const END = '<!-- bench:generated:end -->';

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
