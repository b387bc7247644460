/**
 * `npm run paper`: the 1992 paper reproduced on the simulated Firefly. Prints Table IV
 * with each cell's breakdown, the upcall path, Figure 1 (speedup), Figure 2 (memory
 * pressure) and the multiprogramming test, and writes bench/paper/figure1.svg and
 * figure2.svg. `npm run paper -- --json` prints one JSON object instead (times in us,
 * speedups as plain numbers). `--small` runs the small N-body of the tests.
 * Every figure comes from running the simulator with the firefly preset; nothing is
 * tuned to the figures.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CPUS, figure1, figure2, FULL, multiprogramming, SMALL, SYSTEM_NAMES, SYSTEM_TITLES } from './experiments';
import type { Figure1, Figure2, Multiprogramming, Scale } from './experiments';
import { linePlot } from './svg';
import { COLUMN_NAMES, COLUMN_TITLES, PAPER, table4 } from './table4';
import type { Cell, Table4 } from './table4';

export interface PaperResults {
  readonly scale: Scale;
  readonly table4: Table4;
  readonly fig1: Figure1;
  readonly fig2: Figure2;
  readonly multiprogramming: Multiprogramming;
}

export function runPaper(scale: Scale): PaperResults {
  return { scale, table4: table4('firefly'), fig1: figure1(scale), fig2: figure2(scale), multiprogramming: multiprogramming(scale) };
}

const r1 = (x: number): number => Math.round(x * 10) / 10;
const r2 = (x: number): number => Math.round(x * 100) / 100;

/** The JSON object of `--json` (times in us, speedups as plain numbers). */
export function paperJson(p: PaperResults): unknown {
  const row = (cells: Record<string, Cell>): Record<string, number> => Object.fromEntries(COLUMN_NAMES.map((c) => [c, r1((cells[c] as Cell).us)]));
  const series = <T>(f: (s: (typeof SYSTEM_NAMES)[number]) => T): Record<string, T> => Object.fromEntries(SYSTEM_NAMES.map((s) => [s, f(s)]));
  return {
    preset: 'firefly',
    table4: { nullFork: row(p.table4.nullFork), signalWait: row(p.table4.signalWait) },
    fig1: { cpus: p.fig1.cpus, ...series((s) => p.fig1.speedup[s].map(r2)) },
    fig2: { memoryPercent: p.fig2.memoryPercent, ...series((s) => p.fig2.time[s].map((x) => Math.round(x))) },
    multiprogramming: series((s) => r2(p.multiprogramming.speedup[s])),
    upcallPath: { signalWait: r1(p.table4.upcallPath.us), paper: PAPER.upcallPath },
  };
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function lpad(s: string, n: number): string {
  return s.length >= n ? s : ' '.repeat(n - s.length) + s;
}

/** The printed report (also what bench/RESULTS.md records). */
export function paperText(p: PaperResults): string {
  const out: string[] = [];
  const t = p.table4;
  out.push('Table IV: thread operation latencies (us), simulated Firefly, one processor');
  out.push('');
  out.push(`| operation | ${COLUMN_NAMES.map((c) => COLUMN_TITLES[c]).join(' | ')} |`);
  out.push(`|---|${COLUMN_NAMES.map(() => '---:').join('|')}|`);
  for (const [name, key] of [['Null Fork', 'nullFork'], ['Signal-Wait', 'signalWait']] as const) {
    out.push(`| ${name} | ${COLUMN_NAMES.map((c) => `${r1(t[key][c].us)} (paper ${PAPER[key][c]}, ${signed(100 * (t[key][c].us / PAPER[key][c] - 1))}%)`).join(' | ')} |`);
  }
  out.push(`| (Signal-Wait, monitor form: one mutex, a condition each) | ${COLUMN_NAMES.map((c) => `${r1(t.monitorSignalWait[c].us)}`).join(' | ')} |`);
  out.push('');
  out.push('Each cell per operation: instructions, kernel crossings, upcalls, thread switches, kernel switches,');
  out.push('address-space switches, then the share of its time per primitive.');
  for (const [name, key] of [['Null Fork', 'nullFork'], ['Signal-Wait', 'signalWait']] as const) {
    for (const c of COLUMN_NAMES) out.push(...breakdown(`${name}, ${COLUMN_TITLES[c]}`, t[key][c]));
  }
  out.push('');
  out.push(`The upcall path: Signal-Wait on kernel semaphores under scheduler activations: ${r1(t.upcallPath.us)} us per signal-wait;`);
  out.push(`the paper's untuned prototype: ${PAPER.upcallPath} us (${r1(PAPER.upcallPath / t.upcallPath.us)}x ours).`);
  out.push(...breakdown('Upcall path', t.upcallPath));
  out.push('');
  out.push(`Figure 1: N-body speedup vs processors (${p.scale.bodies} bodies, ${p.scale.steps} steps, a thread per body per step), 100% memory`);
  out.push('');
  out.push(`| system | ${p.fig1.cpus.map((c) => `${c} cpu`).join(' | ')} |`);
  out.push(`|---|${p.fig1.cpus.map(() => '---:').join('|')}|`);
  for (const s of SYSTEM_NAMES) out.push(`| ${SYSTEM_TITLES[s]} | ${p.fig1.speedup[s].map((x) => x.toFixed(2)).join(' | ')} |`);
  out.push('');
  out.push(`Figure 2: N-body time (simulated s) on ${CPUS} processors vs memory available to its buffer cache (a miss blocks 50 ms)`);
  out.push('');
  out.push(`| system | ${p.fig2.memoryPercent.map((m) => `${m}%`).join(' | ')} |`);
  out.push(`|---|${p.fig2.memoryPercent.map(() => '---:').join('|')}|`);
  for (const s of SYSTEM_NAMES) out.push(`| ${SYSTEM_TITLES[s]} | ${p.fig2.time[s].map((x) => (x / 1e6).toFixed(2)).join(' | ')} |`);
  out.push(`| (misses, activations) | ${p.fig2.misses.ftActivations.join(' | ')} |`);
  out.push('');
  out.push(`Multiprogramming: two copies of N-body on ${CPUS} processors, speedup of each copy (ideal 3.0)`);
  out.push('');
  out.push('| system | speedup | copies |');
  out.push('|---|---:|---|');
  for (const s of SYSTEM_NAMES) out.push(`| ${SYSTEM_TITLES[s]} | ${p.multiprogramming.speedup[s].toFixed(2)} | ${p.multiprogramming.perCopy[s].map((x) => x.toFixed(2)).join(', ')} |`);
  return `${out.join('\n')}\n`;
}

function signed(x: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;
}

function breakdown(title: string, c: Cell): string[] {
  const shares = c.shares.map((s) => `${s.name} ${(100 * s.share).toFixed(0)}%`).join(', ');
  return [`- ${pad(title, 50)} ${lpad(r1(c.us).toFixed(1), 8)} us: ${r1(c.instructions)} instr, ${r2(c.crossings)} crossings, ${r2(c.upcalls)} upcalls, ${r2(c.threadSwitches)} thread sw, ${r2(c.kernelSwitches)} kernel sw, ${r2(c.addressSpaceSwitches)} AS sw; ${shares}`];
}

export function writePlots(p: PaperResults, dir: string): void {
  writeFileSync(`${dir}/figure1.svg`, linePlot({
    title: 'Figure 1: N-body speedup, 100% memory (simulated Firefly)',
    xLabel: 'processors', yLabel: 'speedup over the sequential program',
    series: SYSTEM_NAMES.map((s) => ({ name: SYSTEM_TITLES[s], points: p.fig1.cpus.map((c, i) => [c, p.fig1.speedup[s][i] as number] as const) })),
    reference: { name: 'linear', from: [1, 1], to: [6, 6] },
    yMin: 0,
    caption: [
      "The paper (TOCS Fig. 2): both FastThreads above Topaz threads at every count; on activations nearly",
      'linear; on Topaz threads it follows until 5-6 processors, where daemons preempt its virtual processors.',
    ],
  }));
  writeFileSync(`${dir}/figure2.svg`, linePlot({
    title: `Figure 2: N-body on ${CPUS} processors under memory pressure`,
    xLabel: '% of memory available', yLabel: 'execution time (simulated s)',
    series: SYSTEM_NAMES.map((s) => ({ name: SYSTEM_TITLES[s], points: p.fig2.memoryPercent.map((m, i) => [m, (p.fig2.time[s][i] as number) / 1e6] as const) })),
    reverseX: true,
    yMin: 0,
    caption: [
      'The paper (TOCS Fig. 3): time rises slowly as memory shrinks, then sharply; FastThreads on Topaz threads',
      'degrades fastest (a miss takes its kernel thread), activations best, Topaz threads in between.',
    ],
  }));
}

/** Where bench/RESULTS.md keeps the paper's tables (regenerated by --results). */
export const RESULTS_BEGIN = '<!-- paper: begin (npm run paper -- --results) -->';
export const RESULTS_END = '<!-- paper: end -->';

/** bench/RESULTS.md with its paper section replaced by `text`. */
export function withResults(md: string, text: string): string {
  const a = md.indexOf(RESULTS_BEGIN);
  const b = md.indexOf(RESULTS_END);
  const block = `${RESULTS_BEGIN}\n\n${text}\n${RESULTS_END}`;
  if (a < 0 || b < a) return `${md.trimEnd()}\n\n${block}\n`;
  return md.slice(0, a) + block + md.slice(b + RESULTS_END.length);
}

function main(): void {
  const args = process.argv.slice(2);
  for (const a of args) {
    if (a !== '--json' && a !== '--small' && a !== '--results') {
      process.stderr.write(`paper: unknown option '${a}' (known: --json, --small, --results)\n`);
      process.exit(2);
    }
  }
  const p = runPaper(args.includes('--small') ? SMALL : FULL);
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify(paperJson(p))}\n`);
    return;
  }
  const text = paperText(p);
  process.stdout.write(text);
  const dir = fileURLToPath(new URL('.', import.meta.url));
  if (args.includes('--results')) {
    const file = `${dir}../RESULTS.md`;
    writeFileSync(file, withResults(readFileSync(file, 'utf8'), text));
    process.stdout.write(`\nupdated ${file}\n`);
  }
  writePlots(p, dir.replace(/\/$/, ''));
  process.stdout.write(`\nwrote ${dir}figure1.svg and ${dir}figure2.svg\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();
