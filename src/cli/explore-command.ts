/**
 * `upcall explore <scenario>`: explore a scenario module in worker threads, print
 * formatExplore's report and, on a failure, its replay string and the command that
 * replays it. `--workers N` splits the run index range over N threads, `--shard i/n` runs
 * one slice and prints it as JSON, `--merge` combines shard files (merge.ts, and
 * explore-engine.ts for which strategies split).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatExplore } from '../testing/explore';
import type { EventName } from '../testing/index';
import type { Context } from './context';
import { usage } from './context';
import { addCoverage, exploreResultOf, splitKind } from './explore-engine';
import type { ExploreJson, ExploreSpec, Finish, StrategyName, StrategySpec } from './explore-engine';
import { shellQuote } from './flags';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, UsageError } from './io';
import type { Job, RangeAnswer, ScenarioRef } from './jobs';
import { isShardFile, mergeParts, orderShards, parseShard, slice, withFinish } from './merge';
import type { Merged, ShardFile } from './merge';
import { userModule } from './modules';
import { seconds, startJob, tsxFor } from './pool';
import type { JobAnswer, RunningJob } from './pool';
import { progressBar } from './progress-bar';
import type { ProgressBar } from './progress-bar';

export interface ExploreFlags {
  readonly strategy: StrategyName;
  readonly depth?: number;
  readonly rate?: number;
  readonly bound?: number;
  readonly mode?: 'delay' | 'preemption';
  readonly kinds?: EventName[];
  readonly windows?: string[];
  readonly runs: number;
  readonly seed?: number;
  readonly stopAtFirst?: boolean;
  /** False: --no-shrink. */
  readonly shrink: boolean;
  readonly workers: number;
  readonly shard?: string;
  readonly merge?: string[];
  /** Host ms without progress before a hang is reported. */
  readonly timeout: number;
  readonly json?: boolean;
  readonly export?: string;
}

/** Flags that belong to one strategy only. */
const OWN: readonly { flag: string; key: 'depth' | 'rate' | 'bound' | 'mode'; strategy: StrategyName }[] = [
  { flag: '--depth', key: 'depth', strategy: 'pct' },
  { flag: '--rate', key: 'rate', strategy: 'random' },
  { flag: '--bound', key: 'bound', strategy: 'exhaustive' },
  { flag: '--mode', key: 'mode', strategy: 'exhaustive' },
];

/** The strategy of the flags, or a UsageError for a flag of another strategy. */
export function strategySpec(f: ExploreFlags): StrategySpec {
  for (const o of OWN) {
    if (f[o.key] !== undefined && f.strategy !== o.strategy) throw new UsageError(`${o.flag} applies to --strategy ${o.strategy} only (this is --strategy ${f.strategy})`);
  }
  return {
    name: f.strategy,
    ...(f.rate === undefined ? {} : { rate: f.rate }),
    ...(f.depth === undefined ? {} : { depth: f.depth }),
    ...(f.bound === undefined ? {} : { bound: f.bound }),
    ...(f.mode === undefined ? {} : { mode: f.mode }),
    ...(f.kinds === undefined ? {} : { kinds: f.kinds }),
    ...(f.windows === undefined ? {} : { windows: f.windows }),
  };
}

/** What a command run of explore ends with. */
interface Outcome {
  readonly result: ExploreJson;
  readonly exact: boolean;
  readonly notes: readonly string[];
}

export async function exploreCommand(ctx: Context, scenarioArg: string | undefined, f: ExploreFlags): Promise<number> {
  if (f.merge !== undefined) return mergeCommand(ctx, scenarioArg, f);
  if (scenarioArg === undefined) return usage(ctx, 'explore', 'name the scenario module to explore (upcall explore <scenario.ts>), or merge shard results with --merge a.json b.json ...');
  const file = userModule(scenarioArg, 'the scenario module', ctx.cwd);
  const spec: ExploreSpec = { strategy: strategySpec(f), runs: f.runs, stopAtFirst: f.stopAtFirst === true, shrink: f.shrink };
  const ref: ScenarioRef = { module: pathToFileURL(file).href, exportName: f.export ?? null, seed: f.seed ?? null };
  const tsx = tsxFor(ctx.entryUrl, file);
  const split = splitKind(spec.strategy.name);
  const notes: string[] = [];
  const runner = new Runner(ctx, tsx, f.timeout, progressBar(ctx.io.errIsTTY && f.json !== true, f.runs, `explore ${spec.strategy.name}`));
  try {
    if (f.shard !== undefined) {
      const shard = parseShard(f.shard);
      if (split === 'no') throw new UsageError(`--shard: ${spec.strategy.name} cannot be split into shards: it plans each schedule from the results of the runs before it (a queue ordered by cost); run it unsharded`);
      const range = slice(0, spec.runs, shard.index - 1, shard.count);
      let a = await runner.slices(ref, spec, range.lo, range.hi, f.workers, true);
      if (a.kind === 'done' && !a.value.merged.exact) {
        // PCT's k grew inside the shard's slice: run the slice in one worker, so the shard is exact
        ctx.io.err(`note: ${a.value.merged.note ?? 'the split was not exact'}; so the shard's runs were run again in one worker\n`);
        a = await runner.slices(ref, spec, range.lo, range.hi, 1, true);
      }
      runner.bar.stop();
      if (a.kind !== 'done') return runner.report(a, f, scenarioArg);
      const file1: ShardFile = {
        format: 'upcall-explore-shard', version: 1, scenario: scenarioArg, export: f.export ?? null, seed: f.seed ?? null, spec, shard,
        baseline: a.value.baseline, part: a.value.part, finish: a.value.finish,
      };
      ctx.io.out(`${JSON.stringify(file1)}\n`);
      if (f.json !== true) ctx.io.err(`shard ${shard.index}/${shard.count}: runs ${range.lo + 1}..${range.hi} of ${spec.runs}: ${a.value.part.runs} runs, ${a.value.part.failures} failing${a.value.part.first === null ? '' : `, first failure at run ${a.value.part.first.run}`} (merge the shards' JSON with upcall explore --merge)\n`);
      return a.value.part.first === null ? EXIT_OK : EXIT_FAILURE;
    }
    let workers = Math.max(1, Math.min(f.workers, spec.runs));
    if (workers > 1 && split === 'no') {
      notes.push(`${spec.strategy.name} cannot be split over workers (it plans each schedule from the results of the runs before it): it ran in one worker`);
      workers = 1;
    }
    let outcome: Outcome | JobAnswer;
    if (workers === 1) {
      const a = await runner.run<ExploreJson>({ kind: 'whole', scenario: ref, spec });
      outcome = a.kind === 'done' ? { result: a.value, exact: true, notes } : a;
    } else {
      const a = await runner.slices(ref, spec, 0, spec.runs, workers, false);
      if (a.kind !== 'done') outcome = a;
      else if (a.value.merged.exact) outcome = { result: a.value.result, exact: true, notes };
      else {
        // PCT's k grew inside a slice: redo it unsplit, for the exact result
        notes.push(`${a.value.merged.note ?? 'the split was not exact'}; so the exploration was run again in one worker`);
        const again = await runner.run<ExploreJson>({ kind: 'whole', scenario: ref, spec });
        outcome = again.kind === 'done' ? { result: again.value, exact: true, notes } : again;
      }
    }
    runner.bar.stop();
    if ('kind' in outcome) return runner.report(outcome, f, scenarioArg);
    return printResult(ctx, outcome, f, { command: 'explore', scenario: scenarioArg, export: f.export ?? null, seed: f.seed ?? null, spec, workers });
  } finally {
    runner.bar.stop();
    runner.cancelAll();
  }
}

/** Starts jobs, feeds the progress bar, stops everything at the first answer that is not 'done'. */
class Runner {
  private readonly running: { cancel(): void }[] = [];

  constructor(private readonly ctx: Context, private readonly tsx: string | null, private readonly timeoutMs: number, readonly bar: ProgressBar) {}

  async run<T extends ExploreJson | RangeAnswer | Finish>(job: Job): Promise<JobAnswer<T>> {
    return this.start<T>(job).answer;
  }

  private start<T extends ExploreJson | RangeAnswer | Finish>(job: Job): RunningJob<T> {
    const j = startJob<T>(this.ctx.entryUrl, this.tsx, job, this.timeoutMs);
    this.running.push(j);
    if (job.kind !== 'finish') this.bar.add(j.counters);
    return j;
  }

  /** Runs lo+1..hi over `workers` slices, merged, the first failure finished. */
  async slices(ref: ScenarioRef, spec: ExploreSpec, lo: number, hi: number, workers0: number, forShard: boolean): Promise<JobAnswer<RangeAnswer & { merged: Merged; result: ExploreJson }>> {
    const workers = Math.max(1, Math.min(workers0, hi - lo));
    const jobs = Array.from({ length: workers }, (_, k) => slice(lo, hi, k, workers)).map((s) => this.start<RangeAnswer>({ kind: 'range', scenario: ref, spec, lo: s.lo, hi: s.hi, finishOwn: forShard && workers === 1 }));
    const answers = await settleSlices(jobs, spec.stopAtFirst);
    const bad = answers.find((a) => a.kind !== 'done');
    if (bad !== undefined) return bad as JobAnswer<never>;
    const parts = answers.map((a) => (a as Extract<JobAnswer<RangeAnswer>, { kind: 'done' }>).value);
    const baseline = (parts[0] as RangeAnswer).baseline;
    const merged = mergeParts(baseline, parts.map((p) => p.part), spec, parts.map((p) => `runs ${p.part.lo + 1}..${p.part.hi}`));
    let fin: Finish | null = parts.length === 1 ? (parts[0] as RangeAnswer).finish : null;
    if (merged.first !== null && fin === null) {
      const a = await this.run<Finish>({ kind: 'finish', scenario: ref, spec, first: merged.first });
      if (a.kind !== 'done') return a as JobAnswer<never>;
      fin = a.value;
    }
    const hostMs = Math.max(...answers.map((a) => a.hostMs));
    const one = mergedPart(merged, parts);
    return { kind: 'done', value: { baseline, part: one, finish: fin, merged, result: withFinish(merged, fin) }, hostMs };
  }

  /** Print a hang or an error; its exit code. */
  report(a: JobAnswer, f: ExploreFlags, scenario: string): number {
    if (a.kind === 'done') return EXIT_OK;
    const code = a.kind === 'hang' ? EXIT_FAILURE : a.phase === 'worker' ? EXIT_FAILURE : EXIT_USAGE;
    if (f.json === true) this.ctx.io.out(`${JSON.stringify({ command: 'explore', scenario, ...a, exitCode: code }, null, 2)}\n`);
    this.ctx.io.err(`upcall explore: ${a.kind === 'hang' ? `hang: ${a.message}` : a.message}\n`);
    if (a.kind === 'hang' && !a.stuck) this.ctx.io.err(`  (a run took longer than ${seconds(this.timeoutMs)} of host time; raise --timeout if it is merely slow)\n`);
    return code;
  }

  cancelAll(): void {
    for (const j of this.running) j.cancel();
  }
}

/**
 * The answers of the slices that count: all of them, but with stopAtFirst only those up to
 * the first slice that found a failure (the slices after it are cancelled: the unsplit
 * exploration stops there). Stops at the first answer that is not 'done' (a hang, an error).
 */
async function settleSlices(jobs: readonly RunningJob<RangeAnswer>[], stopAtFirst: boolean): Promise<JobAnswer<RangeAnswer>[]> {
  return new Promise((settle) => {
    const out: (JobAnswer<RangeAnswer> | undefined)[] = jobs.map(() => undefined);
    let needed = jobs.length;
    const check = (): void => {
      for (let i = 0; i < needed; i++) {
        const a = out[i];
        if (a !== undefined && a.kind !== 'done') return settle([a]);
      }
      if (out.slice(0, needed).every((a) => a !== undefined)) settle(out.slice(0, needed) as JobAnswer<RangeAnswer>[]);
    };
    jobs.forEach((j, i) => void j.answer.then((a) => {
      if (i >= needed) return; // cancelled: after the first failure
      out[i] = a;
      if (stopAtFirst && a.kind === 'done' && a.value.part.first !== null && i + 1 < needed) {
        needed = i + 1;
        for (const later of jobs.slice(needed)) later.cancel();
      }
      check();
    }));
  });
}

/** A shard run over several workers is still one slice: its parts as one RangePart (for the shard file). */
function mergedPart(m: Merged, parts: readonly RangeAnswer[]): RangeAnswer['part'] {
  const first = parts[0] as RangeAnswer;
  if (parts.length === 1) return first.part;
  const last = parts[parts.length - 1] as RangeAnswer;
  const kept = m.firstPart >= 0 && m.result.ended === 'first-failure' ? parts.slice(0, m.firstPart + 1) : parts;
  const hashes = kept.flatMap((p) => p.part.hashes);
  // coverage of the runs alone: the merged coverage holds the baseline's once, so take it from the parts
  let coverage = kept[0]?.part.coverage ?? first.part.coverage;
  for (const p of kept.slice(1)) coverage = addCoverage(coverage, p.part.coverage);
  return {
    lo: first.part.lo, hi: last.part.hi, runs: m.result.runs, failures: m.result.failures, hashes, coverage, ended: m.result.ended, first: m.first,
    stats: m.result.stats,
    // the slice's k at its start is the baseline's, as in every part
    statsBase: first.part.statsBase,
  };
}

async function mergeCommand(ctx: Context, scenarioArg: string | undefined, f: ExploreFlags): Promise<number> {
  if (scenarioArg !== undefined) return usage(ctx, 'explore', `--merge reads the shard files alone (the scenario is named in them): drop '${scenarioArg}', or pass it as a shard file after --merge`);
  const files = (f.merge ?? []).map((name) => {
    const path = resolve(ctx.cwd, name);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new UsageError(`--merge: cannot read '${name}' (${path}): pass the JSON files that upcall explore --shard i/n printed`);
    }
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--merge: '${name}' is not JSON (${e instanceof Error ? e.message : String(e)}): pass the JSON that upcall explore --shard i/n printed`);
    }
    if (!isShardFile(v)) throw new UsageError(`--merge: '${name}' is not a shard result of upcall explore --shard i/n (no "format": "upcall-explore-shard", version 1)`);
    return { name, shard: v };
  });
  const shards = orderShards(files);
  const a = (shards[0] as { shard: ShardFile }).shard;
  const merged = mergeParts(a.baseline, shards.map((s) => s.shard.part), a.spec, shards.map((s) => `shard ${s.shard.shard.index}/${s.shard.shard.count}`));
  const fin = merged.firstPart < 0 ? null : (shards[merged.firstPart] as { shard: ShardFile }).shard.finish;
  const notes = merged.note === null ? [] : [merged.note];
  return printResult(ctx, { result: withFinish(merged, fin), exact: merged.exact, notes }, f, {
    command: 'explore --merge', scenario: a.scenario, export: a.export, seed: a.seed, spec: a.spec, shards: shards.map((s) => s.name),
  });
}

function printResult(ctx: Context, o: Outcome, f: ExploreFlags, about: { command: string; scenario: string; export: string | null; seed: number | null; spec: ExploreSpec; workers?: number; shards?: readonly string[] }): number {
  const r = o.result;
  const failure = r.firstFailure;
  const replay = failure === null ? null : (r.shrunk ?? failure).replay;
  const command = replay === null ? null : replayCommand(about.scenario, replay, about.export, about.spec.strategy.windows);
  const code = failure === null ? EXIT_OK : EXIT_FAILURE;
  if (f.json === true) {
    ctx.io.out(`${JSON.stringify({ ...about, exact: o.exact, notes: o.notes, result: r, replay, replayCommand: command, exitCode: code }, null, 2)}\n`);
    return code;
  }
  const out: string[] = [formatExplore(exploreResultOf(r))];
  for (const n of o.notes) out.push(`note: ${n}`);
  if (replay !== null && command !== null) {
    out.push('');
    out.push(`replay string: ${replay}`);
    out.push(`replay it:     ${command}`);
  }
  ctx.io.out(`${out.join('\n')}\n`);
  return code;
}

/** The exact command that replays `replay` on the scenario. */
export function replayCommand(scenario: string, replay: string, exportName: string | null, windows: readonly string[] | undefined): string {
  const parts = ['upcall', 'replay', shellQuote(scenario), `'${replay.replace(/'/g, `'\\''`)}'`];
  if (exportName !== null) parts.push('--export', shellQuote(exportName));
  if (windows !== undefined && windows.length > 0) parts.push('--windows', shellQuote(windows.join(',')));
  return parts.join(' ');
}

