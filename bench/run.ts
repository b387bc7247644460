/**
 * Host benchmark (`npm run bench`): how fast the simulator runs on the host, next to the
 * raw V8 generator floors measured in the same process. Prints a table, writes
 * bench/results.json and rewrites the generated section of bench/RESULTS.md.
 *
 * Host time is measured only here (benny / Benchmark.js); the simulated figures come from
 * the run reports and never from host time. `--quick` does a short smoke run that writes
 * nothing.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import { add, complete, configure, cycle, suite } from 'benny';
import type { Report } from '../src/index';
import { constructMachine } from './scenarios/machine-construct';
import { rawCreateRunCollect } from './scenarios/raw-gen-create';
import { rawRoundRobin2 } from './scenarios/raw-gen-rr2';
import { SPAWN_JOIN_N, spawnJoin } from './scenarios/spawn-join';
import { PINGPONG_K, yieldPingPong } from './scenarios/yield-pingpong';
import { raceBench, raceTable } from './race';

const QUICK = process.argv.includes('--quick');
const HERE = dirname(fileURLToPath(import.meta.url));
const N = SPAWN_JOIN_N;
const K = PINGPONG_K;

/** Targets from ../shared/reference/js-peers.md (same units). */
const TARGET_SWITCH_NS = 50;
const TARGET_FORKJOIN_NS = 100;

/**
 * Benchmark.js options per case: at least 10 samples, up to maxTime seconds. The suites
 * run ROUNDS times round-robin so that a burst of outside load hits every case alike; a
 * case's figure is the median over rounds of its per-round median sample.
 */
const ROUNDS = QUICK ? 1 : 3;
const CASE_OPTIONS = QUICK ? { minSamples: 2, maxTime: 0.5 } : { minSamples: 10, maxTime: 4 };

interface CaseSpec {
  readonly name: string;
  readonly unit: string;
  /** Units done by one measured call. */
  readonly units: number;
  readonly fn: () => void;
  /** Name of the floor this case is compared with (null for a floor). */
  readonly floor: string | null;
  readonly target: number | null;
  /** A report of the same (deterministic) run, for the simulated figures. */
  readonly report: Report | null;
}

interface Row {
  readonly scenario: string;
  readonly unit: string;
  readonly unitsPerCall: number;
  /** Samples over all rounds. */
  readonly samples: number;
  /** Per-round median ns/unit. */
  readonly roundsNsPerUnit: readonly number[];
  /** (max - min) / median of the per-round medians, in %. */
  readonly spreadPercent: number;
  readonly hostMsPerCallMedian: number;
  /** Median over rounds of the per-round median ns/unit. */
  readonly hostNsPerUnitMedian: number;
  readonly hostNsPerUnitMin: number;
  readonly floor: string | null;
  /** Median over rounds of (this round's median / the floor's median in the same round). */
  readonly ratioToFloor: number | null;
  readonly targetNs: number | null;
  readonly ratioToTarget: number | null;
  readonly simulated: null | {
    readonly endTimeNs: number;
    readonly instructions: number;
    readonly threadSwitches: number;
    readonly simNsPerUnit: number;
    readonly simInstructionsPerUnit: number;
    readonly hostNsPerSimInstruction: number;
    readonly traceHash: string;
  };
}

// ---- sanity runs (also the source of the simulated figures; runs are deterministic) ----

const sjRun = spawnJoin(N);
const ppRun = yieldPingPong(K);
if (sjRun.report.processes[0]?.threads.length !== N + 1) throw new Error('spawn-join: wrong thread count');
if (rawRoundRobin2(K) !== 2 * K) throw new Error('raw-gen-rr2: wrong switch count');
if (rawCreateRunCollect(N) !== N) throw new Error('raw-gen-create: wrong count');

const switchCases: CaseSpec[] = [
  { name: 'raw-gen-rr2', unit: 'switch', units: 2 * K, fn: () => { rawRoundRobin2(K); }, floor: null, target: null, report: null },
  { name: 'yield-pingpong', unit: 'switch', units: ppRun.units, fn: () => { yieldPingPong(K); }, floor: 'raw-gen-rr2', target: TARGET_SWITCH_NS, report: ppRun.report },
];
const createCases: CaseSpec[] = [
  { name: 'raw-gen-create', unit: 'thread', units: N, fn: () => { rawCreateRunCollect(N); }, floor: null, target: null, report: null },
  { name: 'spawn-join', unit: 'thread', units: N, fn: () => { spawnJoin(N); }, floor: 'raw-gen-create', target: TARGET_FORKJOIN_NS, report: sjRun.report },
];
const fixedCases: CaseSpec[] = [
  { name: 'machine-construct', unit: 'machine', units: 1, fn: () => { constructMachine(); }, floor: null, target: null, report: null },
];

interface Measured { readonly samples: readonly number[]; readonly rme: number }

async function runSuite(title: string, cases: readonly CaseSpec[], into: Map<string, Measured[]>): Promise<void> {
  await suite(
    title,
    configure({ cases: CASE_OPTIONS }),
    ...cases.map((c) => add(c.name, c.fn)),
    cycle((r) => {
      const per = (median(r.details.sampleResults) * 1e9) / (cases.find((c) => c.name === r.name)?.units ?? 1);
      return `  ${r.name}: ${fmt(per)} ns/unit (median of ${r.samples} samples, ±${r.margin.toFixed(2)}%)`;
    }),
    complete((s) => {
      for (const r of s.results) {
        const list = into.get(r.name) ?? [];
        list.push({ samples: r.details.sampleResults.slice(), rme: r.details.relativeMarginOfError });
        into.set(r.name, list);
      }
    }),
  );
}

function median(xs: readonly number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString('en-US');
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

function rowsOf(cases: readonly CaseSpec[], m: Map<string, Measured[]>): Row[] {
  const perRound = (name: string): number[] => {
    const c = cases.find((x) => x.name === name);
    const rounds = m.get(name);
    if (c === undefined || rounds === undefined) throw new Error(`no result for ${name}`);
    return rounds.map((r) => (median(r.samples) * 1e9) / c.units);
  };
  return cases.map((c) => {
    const rounds = m.get(c.name) ?? [];
    const mine = perRound(c.name);
    const perUnit = median(mine);
    const floorRounds = c.floor !== null ? perRound(c.floor) : null;
    const rep = c.report;
    const instr = rep?.counts.instructions ?? 0;
    const all = rounds.flatMap((r) => r.samples);
    return {
      scenario: c.name,
      unit: c.unit,
      unitsPerCall: c.units,
      samples: all.length,
      roundsNsPerUnit: mine.map((x) => Number(x.toFixed(2))),
      spreadPercent: Number(((100 * (Math.max(...mine) - Math.min(...mine))) / perUnit).toFixed(1)),
      hostMsPerCallMedian: (perUnit * c.units) / 1e6,
      hostNsPerUnitMedian: perUnit,
      hostNsPerUnitMin: (Math.min(...all) * 1e9) / c.units,
      floor: c.floor,
      ratioToFloor: floorRounds !== null ? median(mine.map((x, i) => x / (floorRounds[i] as number))) : null,
      targetNs: c.target,
      ratioToTarget: c.target !== null ? perUnit / c.target : null,
      simulated: rep === null ? null : {
        endTimeNs: rep.endTime,
        instructions: instr,
        threadSwitches: rep.counts.threadSwitches,
        simNsPerUnit: rep.endTime / c.units,
        simInstructionsPerUnit: instr / c.units,
        hostNsPerSimInstruction: (perUnit * c.units) / instr,
        traceHash: rep.traceHash,
      },
    };
  });
}

function table(rows: readonly Row[]): string {
  const head = ['scenario', 'unit', 'units/call', 'host ns/unit', 'min', 'spread', 'samples', 'floor', '× floor', '× target', 'sim ns/unit', 'sim instr/unit', 'host ns/sim instr'];
  const lines = rows.map((r) => [
    `\`${r.scenario}\``, r.unit, r.unitsPerCall.toLocaleString('en-US'), fmt(r.hostNsPerUnitMedian), fmt(r.hostNsPerUnitMin), `${r.spreadPercent.toFixed(0)}%`, String(r.samples),
    r.floor !== null ? `\`${r.floor}\`` : '(floor)', r.ratioToFloor !== null ? `${fmt(r.ratioToFloor)}×` : '1×',
    r.ratioToTarget !== null ? `${fmt(r.ratioToTarget)}× (≤ ${r.targetNs} ns)` : '—',
    r.simulated !== null ? fmt(r.simulated.simNsPerUnit) : '—',
    r.simulated !== null ? fmt(r.simulated.simInstructionsPerUnit) : '—',
    r.simulated !== null ? fmt(r.simulated.hostNsPerSimInstruction) : '—',
  ]);
  const align = ['---', '---', '---:', '---:', '---:', '---:', '---:', '---', '---:', '---:', '---:', '---:', '---:'];
  return [head, align, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  const started = Date.now();
  const loadBefore = os.loadavg()[0] ?? 0;
  const measured = new Map<string, Measured[]>();
  for (let round = 1; round <= ROUNDS; round++) {
    console.log(`== round ${round} of ${ROUNDS}`);
    await runSuite('fixed: Machine construction (included once per Machine call)', fixedCases, measured);
    await runSuite('switch: yield ping-pong vs bare generator round-robin', switchCases, measured);
    await runSuite('create: spawn+run+join vs bare generator create+run+collect', createCases, measured);
  }
  console.log('== race finding (explore)');
  const race = raceBench(QUICK);
  const loadAfter = os.loadavg()[0] ?? 0;
  const rows = [...rowsOf(switchCases, measured), ...rowsOf(createCases, measured)];
  const construct = rowsOf(fixedCases, measured)[0] as Row;
  const wallSeconds = (Date.now() - started) / 1000;

  const cpus = os.cpus();
  const env = {
    date: new Date().toISOString(),
    command: 'npm run bench',
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    benchmarkOptions: CASE_OPTIONS,
    rounds: ROUNDS,
    wallSeconds,
    /** 1-minute load average before and after the suites (the run itself adds ~1). */
    loadAvg1: { before: Number(loadBefore.toFixed(2)), after: Number(loadAfter.toFixed(2)) },
  };
  const busy = loadBefore > 0.5 || loadAfter > 2;
  const tbl = table(rows);
  const constructNs = construct.hostNsPerUnitMedian;
  const share = (r: Row): string => `${fmt(constructNs / r.unitsPerCall)} ns/unit (${((100 * constructNs) / (r.hostNsPerUnitMedian * r.unitsPerCall)).toFixed(3)}% of the call)`;
  const sj = rows.find((r) => r.scenario === 'spawn-join') as Row;
  const pp = rows.find((r) => r.scenario === 'yield-pingpong') as Row;
  const notes = [
    `- Machine construction (\`new Machine\` + \`.process\`, no run): ${fmt(constructNs)} ns median per Machine; it is inside every Machine call: spawn-join ${share(sj)}, yield-pingpong ${share(pp)}.`,
    `- spawn-join: N = ${N.toLocaleString('en-US')} empty threads, 1 CPU, 1 vCPU; units/call = N; the run also builds the report (${(N + 1).toLocaleString('en-US')} thread records).`,
    `- yield-pingpong: K = ${K.toLocaleString('en-US')} yields per thread; units/call = report.processes[0].threadSwitches = ${pp.unitsPerCall.toLocaleString('en-US')} (2K + the switches of main).`,
    `- Simulated figures come from one report of the same deterministic run (trace hashes ${sj.simulated?.traceHash} / ${pp.simulated?.traceHash}); sim ns/unit = endTime / units, sim instr/unit = counts.instructions / units.`,
    `- Host load (1-min loadavg): ${env.loadAvg1.before} before, ${env.loadAvg1.after} after (the bench itself adds about 1)${busy ? ': OTHER WORK WAS RUNNING, figures are inflated; compare the min column' : ''}.`,
    `- vs targets (js-peers.md): switch ${fmt(pp.hostNsPerUnitMedian)} ns vs ≤ ${TARGET_SWITCH_NS} ns (${fmt(pp.ratioToTarget)}× over); fork+join ${fmt(sj.hostNsPerUnitMedian)} ns vs ≤ ${TARGET_FORKJOIN_NS} ns (${fmt(sj.ratioToTarget)}× over).`,
  ];

  const raceTbl = raceTable(race);
  console.log('\n' + tbl + '\n\n' + notes.join('\n') + '\n\n' + raceTbl);
  console.log(`\n${env.node} (V8 ${env.v8}), ${env.cpuModel} × ${env.cores}, ${env.platform}; wall ${wallSeconds.toFixed(1)} s`);
  if (QUICK) {
    console.log('(--quick: nothing written)');
    return;
  }

  const json = { env, config: { N, K, cpus: 1, vcpus: 1 }, targets: { switchNs: TARGET_SWITCH_NS, forkJoinNs: TARGET_FORKJOIN_NS }, rows, machineConstruct: construct, race };
  writeFileSync(joinPath(HERE, 'results.json'), JSON.stringify(json, null, 2) + '\n');

  const section = [
    BEGIN,
    `## Latest run: ${env.date.slice(0, 10)}`,
    '',
    `- Command: \`${env.command}\` (wall ${wallSeconds.toFixed(0)} s; Benchmark.js via benny 3.7.1; ${ROUNDS} rounds round-robin, each case ≥ ${CASE_OPTIONS.minSamples} samples and ≤ ${CASE_OPTIONS.maxTime} s per round; host ns/unit = median over rounds of the round's median sample ÷ units per call; min = fastest sample; spread = (max − min) / median of the round medians; × floor = median of the per-round ratios)`,
    `- Date: ${env.date}`,
    `- Machine: Node ${env.node} (V8 ${env.v8}), ${env.cpuModel}, ${env.cores} cores, ${env.memoryGiB} GiB, ${env.platform}`,
    '',
    tbl,
    '',
    ...notes,
    '',
    '### Race finding (explore, host time; examples/race-resume.ts and examples/race-bank.ts)',
    '',
    'Each exploration ran 7 times in the same process after the suites above; host ms is the median wall time of one whole `explore()` call (baseline run, strategy runs, determinism self-check and shrinking included).',
    '',
    raceTbl,
    END,
  ].join('\n');
  const file = joinPath(HERE, 'RESULTS.md');
  const old = existsSync(file) ? readFileSync(file, 'utf8') : `# Host benchmark results\n\nGenerated by \`npm run bench\` (bench/run.ts); the section between the markers is rewritten on every run.\n\n`;
  const b = old.indexOf(BEGIN);
  const e = old.indexOf(END);
  const next = b >= 0 && e > b ? old.slice(0, b) + section + old.slice(e + END.length) : `${old.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
  console.log(`wrote ${joinPath('bench', 'results.json')} and ${joinPath('bench', 'RESULTS.md')}`);
}

const BEGIN = '<!-- bench:generated:begin -->';
const END = '<!-- bench:generated:end -->';

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
