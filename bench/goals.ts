/**
 * The goals of the engine (issue 8), checked against one `npm run bench`: every ratio is
 * taken between cases measured in the same round (bench/measure.ts), or between figures
 * of the same child process (bench/memory.ts). Each goal is evaluated for every bench
 * configuration; the default configuration (M:N with activations) is the one the goals
 * are set for, the others are reported beside it.
 */
import { caseName } from './cases';
import type { Rounds } from './measure';
import { fmt, nsOf, ratioOf } from './measure';
import { CONFIGS } from './scenarios/configs';

export interface MemoryResult {
  readonly bytes: readonly { readonly config: string; readonly n: number; readonly bytesPerThread: number }[];
  readonly bareBytesPerGenerator: number;
  readonly scale: readonly { readonly config: string; readonly n: number; readonly ms: number; readonly nsPerThread: number; readonly peakHeapMiB: number }[];
  readonly spawnJoin: readonly { readonly config: string; readonly n: number; readonly ms: number; readonly usPerThread: number }[];
}

export interface GoalRow {
  readonly config: string;
  readonly metric: string;
  readonly goal: string;
  readonly measured: string;
  /** The figure compared with the limit (a ratio, MiB, or runs/s). */
  readonly value: number;
  readonly met: boolean;
}

/** At most `limit` (a ratio or a size). */
const atMost = (value: number, limit: number): boolean => Number.isFinite(value) && value <= limit;
const atLeast = (value: number, limit: number): boolean => Number.isFinite(value) && value >= limit;

export function evaluateGoals(m: Rounds, mem: MemoryResult, exploreRunsPerSecond: number): GoalRow[] {
  const rows: GoalRow[] = [];
  const push = (config: string, metric: string, goal: string, measured: string, value: number, met: boolean): void => {
    rows.push({ config, metric, goal, measured, value, met });
  };
  for (const cfg of CONFIGS) {
    const c = (s: string): string => caseName(s, cfg.id);
    const yieldNs = nsOf(m, c('yield-pingpong'));
    const rr = ratioOf(m, c('yield-pingpong'), 'raw-gen-rr2');
    push(cfg.id, 'yield switch', '≤ 8× round-robin floor', `${fmt(yieldNs)} ns; floor ${fmt(nsOf(m, 'raw-gen-rr2'))} ns`, rr, atMost(rr, 8));
    const eff = ratioOf(m, 'effect-yield', c('yield-pingpong'));
    push(cfg.id, 'yield switch', '≥ 8× faster than Effect yieldNow', `Effect ${fmt(nsOf(m, 'effect-yield'))} ns`, eff, atLeast(eff, 8));

    const sjNs = nsOf(m, c('spawn-join'));
    const cr = ratioOf(m, c('spawn-join'), 'raw-gen-create');
    push(cfg.id, 'spawn + run + join, N = 10,000', '≤ 8× create floor', `${fmt(sjNs)} ns; floor ${fmt(nsOf(m, 'raw-gen-create'))} ns`, cr, atMost(cr, 8));
    const ef = ratioOf(m, 'effect-fork', c('spawn-join'));
    push(cfg.id, 'spawn + run + join, N = 10,000', '≥ 3× faster than Effect fork + join', `Effect ${fmt(nsOf(m, 'effect-fork'))} ns`, ef, atLeast(ef, 3));

    const mx = ratioOf(m, c('mutex-handoff'), c('yield-pingpong'));
    push(cfg.id, 'Mutex hand-off', '≤ 2× yield switch', `${fmt(nsOf(m, c('mutex-handoff')))} ns`, mx, atMost(mx, 2));
    const ch = ratioOf(m, c('channel-pingpong'), c('yield-pingpong'));
    push(cfg.id, 'Channel message', '≤ 2× yield switch', `${fmt(nsOf(m, c('channel-pingpong')))} ns; Effect Queue ${fmt(nsOf(m, 'effect-queue'))} ns, bare ${fmt(nsOf(m, 'raw-gen-channel'))} ns`, ch, atMost(ch, 2));

    for (const d of [0, 4]) {
      const st = ratioOf(m, c(`step-loop-d${d}`), `raw-gen-step-d${d}`);
      push(cfg.id, `\`yield* step()\` loop, depth ${d}`, '≤ 1.5× bare generator', `${fmt(nsOf(m, c(`step-loop-d${d}`)))} ns; bare ${fmt(nsOf(m, `raw-gen-step-d${d}`))} ns`, st, atMost(st, 1.5));
    }

    const b = mem.bytes.find((x) => x.config === cfg.id);
    if (b !== undefined) {
      const r = b.bytesPerThread / mem.bareBytesPerGenerator;
      push(cfg.id, `bytes per blocked thread, N = ${b.n.toLocaleString('en-US')}`, '≤ 2.5× bare suspended generator', `${fmt(b.bytesPerThread)} B; bare ${fmt(mem.bareBytesPerGenerator)} B`, r, atMost(r, 2.5));
    }

    const sc = mem.scale.filter((x) => x.config === cfg.id).sort((p, q) => p.n - q.n);
    const big = sc[sc.length - 1];
    const small = sc[0];
    if (big !== undefined && small !== undefined && big !== small) {
      const mib = big.peakHeapMiB;
      push(cfg.id, `${big.n.toLocaleString('en-US')} threads blocked on one Semaphore, released, joined`, '≤ 1 GB of heap', `peak ${fmt(mib)} MiB above the start, ${fmt(big.ms / 1000)} s`, mib, atMost(mib, 1024));
      const lin = big.nsPerThread / small.nsPerThread;
      push(cfg.id, `  … time per thread, ${big.n.toLocaleString('en-US')} ÷ ${small.n.toLocaleString('en-US')}`, 'linear: ≤ 1.5×', `${fmt(big.nsPerThread / 1000)} vs ${fmt(small.nsPerThread / 1000)} µs`, lin, atMost(lin, 1.5));
    }

    const sj = mem.spawnJoin.filter((x) => x.config === cfg.id).sort((p, q) => p.n - q.n);
    const sjBig = sj[sj.length - 1];
    const sjSmall = sj[0];
    if (sjBig !== undefined && sjSmall !== undefined && sjBig !== sjSmall) {
      const lin = sjBig.usPerThread / sjSmall.usPerThread;
      push(cfg.id, `spawn + join per thread, ${sjBig.n.toLocaleString('en-US')} ÷ ${sjSmall.n.toLocaleString('en-US')}`, 'linear: ≤ 1.5×', `${fmt(sjBig.usPerThread)} vs ${fmt(sjSmall.usPerThread)} µs`, lin, atMost(lin, 1.5));
    }

    if (cfg.id === 'sa') {
      push(cfg.id, 'exploration, resume window, exhaustive', '≥ 5,000 runs/s', `${fmt(exploreRunsPerSecond)} runs/s`, exploreRunsPerSecond, atLeast(exploreRunsPerSecond, 5000));
    }
  }
  return rows;
}

export function goalTable(rows: readonly GoalRow[]): string {
  const title = (id: string): string => CONFIGS.find((c) => c.id === id)?.title ?? id;
  const head = ['configuration', 'metric', 'goal', 'measured', 'ratio / figure', 'met?'];
  const lines = rows.map((r) => [title(r.config), r.metric, r.goal, r.measured, fmt(r.value), r.met ? 'yes' : '**no**']);
  const align = ['---', '---', '---', '---', '---:', '---'];
  return [head, align, ...lines].map((l) => `| ${l.join(' | ')} |`).join('\n');
}
