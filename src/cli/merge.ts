/**
 * Splitting an exploration's run index range into slices, and merging the slices' results
 * into the one result the unsplit exploration gives (explore-engine.ts says which
 * strategies split exactly). Shard files (`--shard i/n --json`) carry one slice each;
 * `--merge` reads them back.
 *
 * Invariants:
 *  1. Slices are contiguous and deterministic: slice k of n over a budget of R runs is
 *     [floor(k R / n), floor((k + 1) R / n)), so together they cover 0..R-1 once.
 *  2. The merged first failure is the one with the lowest run index. With stopAtFirst,
 *     slices after the one holding it are dropped (the unsplit exploration stops there;
 *     every slice before it ran to its end without a failure), so runs, failures,
 *     schedules, coverage and the strategy's figures are the unsplit ones.
 *  3. Merging refuses slices of different explorations (scenario, strategy, budget,
 *     baseline) and an incomplete or duplicated set of shards.
 */
import { pctBound } from '../testing/strategies/pct';
import type { ExploreEnd } from '../testing/index';
import { addCoverage, sortedCoverage } from './explore-engine';
import type { BaselineInfo, ExploreJson, ExploreSpec, FailureRecord, Finish, RangePart } from './explore-engine';
import { UsageError } from './io';

/** Slice k (0-based) of n over [lo, hi). */
export function slice(lo: number, hi: number, k: number, n: number): { lo: number; hi: number } {
  const size = hi - lo;
  return { lo: lo + Math.floor((k * size) / n), hi: lo + Math.floor(((k + 1) * size) / n) };
}

/** `--shard i/n` (1-based, as vitest and Playwright write it). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (m === null || !(count >= 1) || !(index >= 1) || index > count) {
    throw new UsageError(`--shard: expected i/n with 1 <= i <= n (e.g. --shard 1/3), got '${text}'`);
  }
  return { index, count };
}

/** The merge of slices before finishing: an ExploreJson without deterministic/shrunk, plus the first failure's trace hash. */
export interface Merged {
  readonly result: Omit<ExploreJson, 'deterministic' | 'shrunk' | 'shrinkRuns'>;
  readonly first: FailureRecord | null;
  /** Index (in slice order) of the slice that holds the first failure. */
  readonly firstPart: number;
  /** False when a strategy's figures changed during a slice in a way the unsplit run would have carried into later slices (PCT's k grew). */
  readonly exact: boolean;
  readonly note: string | null;
}

/** Merge the slices (invariant 2); `parts` in run index order. */
export function mergeParts(baseline: BaselineInfo, parts: readonly RangePart[], spec: ExploreSpec, labels: readonly string[] = []): Merged {
  let firstPart = -1;
  let first: FailureRecord | null = null;
  parts.forEach((p, i) => {
    if (p.first !== null && (first === null || p.first.run < first.run)) {
      first = p.first;
      firstPart = i;
    }
  });
  const kept = spec.stopAtFirst && firstPart >= 0 ? parts.slice(0, firstPart + 1) : parts;
  let runs = 0;
  let failures = 0;
  let coverage = baseline.coverage;
  const hashes = new Set<string>([baseline.traceHash]);
  for (const p of kept) {
    runs += p.runs;
    failures += p.failures;
    coverage = addCoverage(coverage, p.coverage);
    for (const h of p.hashes) hashes.add(h);
  }
  const last = kept[kept.length - 1];
  const ended: ExploreEnd = spec.stopAtFirst && first !== null ? 'first-failure' : kept.some((p) => p.ended === 'done') ? 'done' : last?.ended ?? 'budget';
  const { stats, exact, note } = mergeStats(spec, kept, runs, failures, labels);
  return {
    result: {
      strategy: baseline.strategy, windows: baseline.windows, runs, distinctSchedules: hashes.size, failures, hitRate: runs === 0 ? 0 : failures / runs,
      coverage: sortedCoverage(coverage),
      baseline: { ok: baseline.ok, counted: baseline.counted, steps: baseline.steps, failure: baseline.failure },
      firstFailure: first === null ? null : failureOf(first), stats, ended,
    },
    first, firstPart, exact, note,
  };
}

function failureOf(f: FailureRecord): ExploreJson['firstFailure'] {
  const { traceHash: _hash, ...rest } = f;
  return rest;
}

/** The merged result with its first failure finished (or none to finish). */
export function withFinish(m: Merged, f: Finish | null): ExploreJson {
  const r = m.result;
  // explore()'s field order, so the JSON of a split exploration is byte for byte the unsplit one's
  return {
    strategy: r.strategy, windows: r.windows, runs: r.runs, distinctSchedules: r.distinctSchedules, failures: r.failures, hitRate: r.hitRate,
    coverage: r.coverage, baseline: r.baseline, firstFailure: r.firstFailure,
    deterministic: f?.deterministic ?? null, shrunk: f?.shrunk ?? null, shrinkRuns: f?.shrinkRuns ?? 0, stats: r.stats, ended: r.ended,
  };
}

/**
 * The strategy's figures over all slices: random's events are summed; PCT's n and k are the
 * largest, its hit rate and bounds recomputed. PCT is exact only while k stayed the
 * baseline's in every slice (explore-engine.ts).
 */
function mergeStats(spec: ExploreSpec, parts: readonly RangePart[], runs: number, failures: number, labels: readonly string[]): { stats: Record<string, number | string>; exact: boolean; note: string | null } {
  const one = parts[0];
  if (one === undefined) return { stats: {}, exact: true, note: null };
  const stats: Record<string, number | string> = { ...one.stats };
  const num = (p: RangePart, k: string): number => (typeof p.stats[k] === 'number' ? (p.stats[k] as number) : 0);
  if (spec.strategy.name === 'random') {
    const events = parts.reduce((a, p) => a + num(p, 'events'), 0);
    stats['events'] = events;
    stats['eventsPerRun'] = runs === 0 ? 0 : events / runs;
    return { stats, exact: true, note: null };
  }
  if (spec.strategy.name === 'pct') {
    const n = Math.max(...parts.map((p) => num(p, 'n')));
    const k = Math.max(...parts.map((p) => num(p, 'k')));
    const d = num(one, 'd');
    stats['n'] = n;
    stats['k'] = k;
    stats['hitRate'] = runs === 0 ? 0 : failures / runs;
    if ('perRunBound' in stats) {
      const b = pctBound(n, k, d, runs);
      stats['perRunBound'] = b.perRun;
      stats['missBound'] = b.miss;
    }
    // k growing in the last slice changes nothing: no later slice would have used it
    const grew = parts.map((p, i) => ({ i, from: p.statsBase['k'], to: p.stats['k'] })).filter((g) => g.from !== g.to && g.i < parts.length - 1);
    if (grew.length === 0) return { stats, exact: true, note: null };
    const where = grew.map((g) => `${labels[g.i] ?? `slice ${g.i + 1}`}: k ${String(g.from)} -> ${String(g.to)}`).join('; ');
    return {
      stats, exact: false,
      note: `pct: not identical to one unsplit exploration: a passing run counted more instructions than the baseline, so PCT's k grew (${where}); an unsplit run would have planned its later runs with the larger k`,
    };
  }
  return { stats, exact: true, note: null };
}

/** A shard file: one slice of an exploration, with its first failure finished, as `--shard i/n --json` prints it. */
export interface ShardFile {
  readonly format: 'upcall-explore-shard';
  readonly version: 1;
  /** The scenario as the command named it, and its export. */
  readonly scenario: string;
  readonly export: string | null;
  readonly seed: number | null;
  readonly spec: ExploreSpec;
  readonly shard: { readonly index: number; readonly count: number };
  readonly baseline: BaselineInfo;
  readonly part: RangePart;
  /** The slice's own first failure, finished (determinism double-run, shrinking), or null. */
  readonly finish: Finish | null;
}

export function isShardFile(v: unknown): v is ShardFile {
  const s = v as Partial<ShardFile> | null;
  return s !== null && typeof s === 'object' && s.format === 'upcall-explore-shard' && s.version === 1 && typeof s.part === 'object' && typeof s.baseline === 'object';
}

/** Check that `files` are the n shards of one exploration (invariant 3), in shard order. */
export function orderShards(files: readonly { name: string; shard: ShardFile }[]): { name: string; shard: ShardFile }[] {
  const a = files[0];
  if (a === undefined) throw new UsageError('--merge: name the shard files to merge (upcall explore --merge a.json b.json ...)');
  const n = a.shard.shard.count;
  const same = (x: ShardFile): string | null => {
    if (x.shard.count !== n) return `it is one of ${x.shard.count} shards, ${a.name} one of ${n}`;
    if (x.scenario !== a.shard.scenario || x.export !== a.shard.export) return `its scenario is ${x.scenario}${x.export === null ? '' : `#${x.export}`}, not ${a.shard.scenario}${a.shard.export === null ? '' : `#${a.shard.export}`}`;
    if (JSON.stringify(x.spec) !== JSON.stringify(a.shard.spec) || x.seed !== a.shard.seed) return `its strategy, runs or seed differ (${JSON.stringify({ ...x.spec, seed: x.seed })} vs ${JSON.stringify({ ...a.shard.spec, seed: a.shard.seed })})`;
    if (x.baseline.traceHash !== a.shard.baseline.traceHash) return `its baseline run differs (trace hash ${x.baseline.traceHash}, not ${a.shard.baseline.traceHash}): the shards ran different versions of the program`;
    return null;
  };
  const byIndex = new Map<number, { name: string; shard: ShardFile }>();
  for (const f of files) {
    const why = same(f.shard);
    if (why !== null) throw new UsageError(`--merge: ${f.name} is not a shard of the exploration in ${a.name}: ${why}`);
    const dup = byIndex.get(f.shard.shard.index);
    if (dup !== undefined) throw new UsageError(`--merge: ${f.name} and ${dup.name} are both shard ${f.shard.shard.index}/${n}`);
    byIndex.set(f.shard.shard.index, f);
  }
  const missing = Array.from({ length: n }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) throw new UsageError(`--merge: shard${missing.length === 1 ? '' : 's'} ${missing.map((i) => `${i}/${n}`).join(', ')} missing: pass all ${n} shard files`);
  return Array.from({ length: n }, (_, i) => byIndex.get(i + 1) as { name: string; shard: ShardFile });
}
