/**
 * `upcall run <app> [args...]`: run an app module in a worker thread under a host-time
 * limit (runInWorker, src/worker.ts; the module contract is src/worker-thread.ts's: a main
 * generator or a setup function, with an `options` export), print what the run reported.
 */
import { ConfigError } from '../../kernel-sim/errors';
import type { MachineOptions, ProcessOptions } from '../config';
import type { RunSummary } from '../run-summary';
import { runInWorker } from '../worker';
import type { WorkerRunResult } from '../worker';
import type { Context } from './context';
import { usage } from './context';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './io';
import { userModule } from './modules';
import { exportTrace, traceRecording, wantsTrace } from './trace-flags';
import type { TraceFlags } from './trace-flags';

export interface RunFlags extends TraceFlags {
  readonly mapping?: 'M:N' | 'N:1' | '1:1';
  /** False: --no-activations (M:N on kernel threads). */
  readonly activations?: boolean;
  readonly cpus?: number;
  readonly vcpus?: number;
  readonly preset?: string;
  readonly seed?: number;
  /** Host ms. */
  readonly timeout: number;
  readonly json?: boolean;
  readonly export?: string;
}

export async function runCommand(ctx: Context, app: string, args: readonly unknown[], f: RunFlags): Promise<number> {
  const file = userModule(app, 'the app module', ctx.cwd);
  const machine: MachineOptions = {
    ...(f.cpus === undefined ? {} : { cpus: f.cpus }),
    ...(f.preset === undefined ? {} : { preset: f.preset }),
    ...(f.seed === undefined ? {} : { seed: f.seed }),
    ...traceRecording(f),
  };
  if (f.activations === false && f.mapping !== undefined && f.mapping !== 'M:N') return usage(ctx, 'run', `--no-activations applies to --mapping M:N only (this is ${f.mapping})`);
  const proc: ProcessOptions = {
    ...(f.mapping === undefined ? {} : { mapping: f.mapping }),
    ...(f.activations === false ? { activations: false } : {}),
    ...(f.vcpus === undefined ? {} : { vcpus: f.vcpus }),
  };
  let r: WorkerRunResult;
  try {
    r = await runInWorker(file, { timeoutMs: f.timeout, machine, process: proc, args: [...args], ...(f.export === undefined ? {} : { export: f.export }) });
  } catch (e) {
    if (e instanceof ConfigError) return usage(ctx, 'run', e.message.replace(/^runInWorker: /, ''));
    throw e;
  }
  const code = exitCodeOf(r);
  const exported = wantsTrace(f) && r.kind === 'done' ? exportTrace(r, f) : null;
  const finalCode = exported !== null && !exported.ok ? EXIT_USAGE : code;
  if (f.json === true) {
    ctx.io.out(`${JSON.stringify({ command: 'run', app, ...r, ...(exported === null ? {} : { traceExport: exported }), exitCode: finalCode }, null, 2)}\n`);
  } else if (r.kind === 'done') {
    ctx.io.out(describe(app, r.report, r.hostMs));
  } else {
    ctx.io.err(`upcall run: ${r.kind === 'hang' ? 'hang: ' : ''}${r.message}\n`);
    if (r.kind === 'error' && code === EXIT_USAGE) ctx.io.err(fixHint(r));
  }
  if (exported !== null) {
    if (exported.ok) {
      if (exported.text.length > 0 && f.json !== true) ctx.io.out(exported.text);
      for (const file of exported.files) ctx.io.err(`wrote ${file}\n`);
    } else {
      ctx.io.err(`upcall run: ${exported.message}\n`);
    }
  }
  return finalCode;
}

/** 0 ok, 1 a failure outcome, a hang or a dead worker, 2 the app or its options need fixing. */
function exitCodeOf(r: WorkerRunResult): number {
  switch (r.kind) {
    case 'done':
      return r.report.ok ? EXIT_OK : EXIT_FAILURE;
    case 'hang':
      return EXIT_FAILURE;
    case 'error':
      return r.phase === 'load' || r.phase === 'setup' || (r.phase === 'run' && r.error.code === 'ERR_CONFIG') ? EXIT_USAGE : EXIT_FAILURE;
    default: {
      const never: never = r;
      return never;
    }
  }
}

function fixHint(r: Extract<WorkerRunResult, { kind: 'error' }>): string {
  if (r.phase === 'load') return '  (fix the module so that it loads: node or tsx must be able to import it)\n';
  if (/export/.test(r.error.message)) return '  (an app module exports its main thread, `export default function* main()`, or a setup function `(m: Machine) => void`, and optionally `export const options = { machine, process }`; --export picks another export)\n';
  return '  (the flags --cpus, --vcpus, --mapping, --preset and --seed are laid over the app\'s own options: fix the flag or the options)\n';
}

function describe(app: string, r: RunSummary, hostMs: number): string {
  const c = r.counts;
  const out: string[] = [];
  out.push(`upcall run ${app}: ${r.outcome}${r.ok ? '' : ` (${r.message})`}`);
  out.push(`  end time ${r.endTime} ns, ${plural(c.instructions, 'instruction')}, ${plural(c.threadSwitches, 'thread switch', 'es')}, ${plural(c.upcalls, 'upcall')}, ${plural(c.preemptions, 'preemption')}, ${plural(c.interrupts, 'interrupt')}; trace hash ${r.traceHash}`);
  for (const p of r.processes) {
    const result = p.end !== 'exited' ? '' : p.mainResult.kind === 'value' ? `, main returned ${JSON.stringify(p.mainResult.value) ?? 'undefined'}` : `, main returned ${p.mainResult.description}`;
    const end = p.endTime === null ? p.end : `${p.end} at t=${p.endTime} ns`;
    out.push(`  ${p.name}: ${end}${result} (${plural(p.threads, 'thread record')})${p.error === null ? '' : `; ${p.error.name}: ${p.error.message}`}`);
  }
  if (!r.ok && r.error !== null) out.push(`  error: ${r.error.name}${r.error.code === null ? '' : ` [${r.error.code}]`}: ${r.error.message}${r.error.cause === null ? '' : ` (cause: ${r.error.cause.name}: ${r.error.cause.message})`}`);
  out.push(`  host time ${hostMs} ms (in a worker thread)`);
  return `${out.join('\n')}\n`;
}

function plural(n: number, word: string, suffix = 's'): string {
  return `${n} ${word}${n === 1 ? '' : suffix}`;
}
