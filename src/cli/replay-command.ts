/**
 * `upcall replay <scenario> <string>`: run the scenario once along a replay string (in a
 * worker thread, under the same silence limit as explore) and say whether it fails, and
 * how. `--html`, `--trace` and `--timeline` go through exportTrace (trace-flags.ts).
 */
import { pathToFileURL } from 'node:url';
import type { Context } from './context';
import { usage } from './context';
import type { ReplayOutcome } from './explore-engine';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
import type { ScenarioRef } from './jobs';
import { userModule } from './modules';
import { seconds, startJob, tsxFor } from './pool';
import { exportTrace, traceRecording, wantsTrace } from './trace-flags';
import type { TraceFlags } from './trace-flags';

export interface ReplayFlags extends TraceFlags {
  readonly windows?: string[];
  readonly export?: string;
  readonly timeout: number;
  readonly json?: boolean;
}

export async function replayCommand(ctx: Context, scenarioArg: string, text: string, f: ReplayFlags): Promise<number> {
  const file = userModule(scenarioArg, 'the scenario module', ctx.cwd);
  if (!/^\s*s-?\d+/.test(text)) return usage(ctx, 'replay', `'${text}' is not a replay string: it starts with the seed, e.g. 's1;irq@main/1:teller:check#1+0' (explore prints one on a failure)`);
  const ref: ScenarioRef = { module: pathToFileURL(file).href, exportName: f.export ?? null, seed: null };
  const job = startJob<ReplayOutcome>(ctx.entryUrl, tsxFor(ctx.entryUrl, file), { kind: 'replay', scenario: ref, replay: text, windows: f.windows ?? [], machine: traceRecording(f) }, f.timeout);
  const a = await job.answer;
  if (a.kind !== 'done') {
    const code = a.kind === 'hang' || a.phase === 'worker' ? EXIT_FAILURE : EXIT_USAGE;
    if (f.json === true) ctx.io.out(`${JSON.stringify({ command: 'replay', scenario: scenarioArg, replay: text, ...a, exitCode: code }, null, 2)}\n`);
    const replayError = a.kind === 'error' && a.error.code === 'ERR_REPLAY';
    ctx.io.err(`upcall replay: ${a.kind === 'hang' ? `hang: ${a.message}` : replayError ? `the string does not fit this scenario: ${a.error.message}` : a.message}\n`);
    if (a.kind === 'hang' && !a.stuck) ctx.io.err(`  (the run took longer than ${seconds(f.timeout)} of host time; raise --timeout if it is merely slow)\n`);
    return code;
  }
  const r = a.value;
  const exported = wantsTrace(f) ? exportTrace(r, f) : null;
  const code = exported !== null && !exported.ok ? EXIT_USAGE : r.ok ? EXIT_OK : EXIT_FAILURE;
  if (f.json === true) {
    const { trace: _trace, ...plain } = r;
    ctx.io.out(`${JSON.stringify({ command: 'replay', scenario: scenarioArg, ...plain, ...(exported === null ? {} : { traceExport: exported }), exitCode: code }, null, 2)}\n`);
  } else {
    const out = [`replay ${text}: ${r.ok ? 'passes' : `FAILS (${r.category ?? '?'}): ${r.failure ?? ''}`}`];
    out.push(`  outcome ${r.outcome ?? 'none (the run threw)'}${r.endTime === null ? '' : ` at t=${r.endTime} ns`}${r.instructions === null ? '' : `, ${r.instructions} instructions`}, trace hash ${r.traceHash}`);
    if (r.replay !== text.trim()) out.push(`  recorded as ${r.replay}`);
    ctx.io.out(`${out.join('\n')}\n`);
    if (exported !== null && exported.ok && exported.text.length > 0) ctx.io.out(exported.text);
  }
  if (exported !== null) {
    if (exported.ok) for (const w of exported.files) ctx.io.err(`wrote ${w}\n`);
    else ctx.io.err(`upcall replay: ${exported.message}\n`);
  }
  return code;
}
