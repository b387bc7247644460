/**
 * The scale part of `npm run bench` (issue 9): runs the parts of bench/scale.ts, each in
 * its own child process with `--expose-gc` and an old-space limit that is itself part
 * of the goal (V8 ends a child that needs more), prints one line per part and returns
 * the goal rows. Alone: `npm run bench -- --only scale` (add `--quick` for small sizes).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join as joinPath } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GoalRow } from './goals';
import { fmt } from './measure';

const HERE = dirname(fileURLToPath(import.meta.url));

/** What a part printed, or why its child failed (out of memory: the goal is missed, not the bench). */
type PartResult = { readonly ok: true; readonly r: Record<string, number> } | { readonly ok: false; readonly why: string };

function part(heapMiB: number, args: readonly string[]): PartResult {
  try {
    const out = execFileSync(process.execPath, [`--max-old-space-size=${heapMiB}`, '--expose-gc', '--import', 'tsx', joinPath(HERE, 'scale.ts'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, r: JSON.parse(out.trim().split('\n').pop() as string) as Record<string, number> };
  } catch (e) {
    const msg = String((e as { stderr?: unknown }).stderr ?? e);
    return { ok: false, why: /heap out of memory|Allocation failed/.test(msg) ? `heap out of memory under --max-old-space-size=${heapMiB}` : msg.slice(0, 300) };
  }
}

const num = (p: PartResult, k: string): number => (p.ok ? (p.r[k] as number) : NaN);

export interface ScaleSizes {
  readonly live: number;
  readonly churn: number;
  readonly window: number;
  readonly switches: number;
  readonly drop: number;
}

export const SCALE_SIZES: ScaleSizes = { live: 1_000_000, churn: 1_000_000, window: 1_000, switches: 10_000_000, drop: 1_000_000 };
export const QUICK_SCALE_SIZES: ScaleSizes = { live: 50_000, churn: 100_000, window: 1_000, switches: 1_000_000, drop: 50_000 };

/** Old-space limits (MiB): 1 GB for the live set; 64 MiB proves the churn run's heap bounded by its window. */
const LIVE_LIMIT = 1024;
const CHURN_LIMIT = 64;
const SWITCH_LIMIT = 64;
const DROP_LIMIT = 8192;
/** Goals: the churn run's live data over its baseline, and the heap after the drop over the baseline. */
const CHURN_GOAL_MIB = 32;
const DROP_GOAL = 1.1;

export function scaleBench(s: ScaleSizes): GoalRow[] {
  console.log('== scale (bench/scale.ts, child processes, --expose-gc)');
  const n = (x: number): string => x.toLocaleString('en-US');
  const live = part(LIVE_LIMIT, ['live', String(s.live)]);
  const churn = part(CHURN_LIMIT, ['churn', String(s.churn), String(s.window)]);
  const sw = part(SWITCH_LIMIT, ['switches', String(s.switches)]);
  const drop = part(DROP_LIMIT, ['drop', String(s.drop)]);
  const say = (what: string, p: PartResult, text: () => string): void => console.log(`  ${what}: ${p.ok ? text() : p.why}`);
  say(`${n(s.live)} live threads under --max-old-space-size=${LIVE_LIMIT}`, live, () => `heap ${fmt(num(live, 'liveHeapMiB'))} MiB (${fmt(num(live, 'bytesPerThread'))} B/thread over the baseline), host ${fmt(num(live, 'ms') / 1000)} s`);
  say(`${n(s.churn)} threads, at most ${n(s.window)} live, under --max-old-space-size=${CHURN_LIMIT}`, churn, () => `peak ${fmt(num(churn, 'peakOverBaseMiB'))} MiB over the baseline, ${n(num(churn, 'records'))} records kept, ${n(num(churn, 'dropped'))} dropped, host ${fmt(num(churn, 'nsPerThread'))} ns/thread`);
  say(`${n(s.switches)} switches (two threads yielding)`, sw, () => `${n(num(sw, 'threadSwitches'))} switches, host ${fmt(num(sw, 'ms') / 1000)} s (${fmt(num(sw, 'nsPerSwitch'))} ns/switch)`);
  say(`heap after a ${n(s.drop)}-thread Machine is dropped`, drop, () => `${fmt(num(drop, 'afterMiB'))} MiB, baseline ${fmt(num(drop, 'baselineMiB'))} MiB: ratio ${num(drop, 'ratio').toFixed(3)}`);
  const liveMiB = num(live, 'liveHeapMiB');
  const churnMiB = num(churn, 'peakOverBaseMiB');
  const ratio = num(drop, 'ratio');
  return [
    { config: 'sa', metric: `${n(s.live)} live threads (one Semaphore)`, goal: `heap ≤ ${LIVE_LIMIT} MiB`, measured: live.ok ? `${fmt(liveMiB)} MiB` : live.why, value: liveMiB, met: live.ok && liveMiB <= LIVE_LIMIT },
    { config: 'sa', metric: `${n(s.churn)} threads created, ≤ ${n(s.window)} live`, goal: `peak ≤ ${CHURN_GOAL_MIB} MiB over the baseline`, measured: churn.ok ? `${fmt(churnMiB)} MiB` : churn.why, value: churnMiB, met: churn.ok && churnMiB <= CHURN_GOAL_MIB },
    { config: 'sa', metric: `${n(s.switches)}-switch run`, goal: 'completes', measured: sw.ok ? `${fmt(num(sw, 'ms') / 1000)} s host` : sw.why, value: sw.ok ? 1 : 0, met: sw.ok && num(sw, 'threadSwitches') >= s.switches },
    { config: 'sa', metric: `heap after a ${n(s.drop)}-thread Machine is dropped`, goal: `≤ ${DROP_GOAL} × baseline`, measured: drop.ok ? `${ratio.toFixed(3)} ×` : drop.why, value: ratio, met: drop.ok && ratio <= DROP_GOAL },
  ];
}
