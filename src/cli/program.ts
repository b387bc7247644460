/**
 * The `upcall` command line: its commands and flags, parsed with commander.
 *
 * Why commander (14, the last major that runs on Node 20): it is the most used and
 * longest maintained parser for Node, ships its own types, has no dependencies, and does
 * what this CLI needs without glue: subcommands with their own --help, typed options with
 * value parsers, `choices` that name the allowed values in the error, suggestions for a
 * mistyped flag, and exitOverride/configureOutput, so every error becomes exit code 2 and
 * all output goes through the Io the tests capture (no process.exit inside the library).
 */
import { Command, CommanderError, Option } from 'commander';
import type { Context } from './context';
import { STRATEGIES } from './explore-engine';
import { exploreCommand } from './explore-command';
import type { ExploreFlags } from './explore-command';
import { appArgument, integer, kinds, names, secondsToMs } from './flags';
import { EXIT_OK, EXIT_USAGE, UsageError } from './io';
import { replayCommand } from './replay-command';
import type { ReplayFlags } from './replay-command';
import { runCommand } from './run-command';
import type { RunFlags } from './run-command';
import { scriptCommand } from './scripts';

const EXIT_CODES = `
Exit codes:
  0  ok (the run completed, the exploration found nothing, the replay passed)
  1  a failure was found (a failing schedule, a failure outcome, a thread that never yields)
  2  usage error (an unknown flag, a bad value, a missing or unusable module)`;

const DEFAULT_TIMEOUT_S = 60;

export async function cli(argv: readonly string[], ctx: Context): Promise<number> {
  let code: number = EXIT_OK;
  const set = (p: Promise<number>): Promise<void> => p.then((c) => void (code = c));
  const program = new Command('upcall');
  program
    .description('User-level threads on scheduler activations over a simulated multiprocessor kernel: run apps, explore race windows, replay failures.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.io.out(s), writeErr: (s) => ctx.io.err(s) })
    .showHelpAfterError('(add --help for the flags)')
    .addHelpText('after', `${EXIT_CODES}

Examples:
  upcall run app.ts --mapping N:1 --cpus 2 --seed 7
  upcall explore scenario.ts --strategy pct --depth 2 --windows check --runs 500
  upcall replay scenario.ts 's1;irq@main/1:teller:check#1+0'
  upcall explore scenario.ts --shard 1/2 > a.json; upcall explore scenario.ts --shard 2/2 > b.json
  upcall explore --merge a.json b.json`);

  program.command('demo')
    .description('run the demo (examples/demo.ts: the examples, the mappings compared, two race windows explored); needs a checkout')
    .addHelpText('after', EXIT_CODES)
    .action(() => set(scriptCommand(ctx, 'demo', [])));

  program.command('run')
    .description('run an app module in a worker thread under a host-time limit and print its report')
    .argument('<app>', 'a .ts or .js module exporting its main thread (export default function* main) or a setup(m) function, and optionally `options` ({ machine, process })')
    .argument('[args...]', 'arguments for main(...args) or setup(m, ...args), each JSON when it parses (5, true, "x"), else text')
    .addOption(new Option('--mapping <mapping>', 'how green threads map onto the kernel').choices(['M:N', 'N:1', '1:1']))
    .option('--no-activations', 'with M:N: plain kernel threads under the user-level scheduler, no scheduler activations')
    .option('--cpus <n>', 'physical CPUs of the machine (1..256)', integer(1, 256))
    .option('--vcpus <n>', 'vCPUs of each process (at most --cpus)', integer(1, 256))
    .addOption(new Option('--preset <name>', 'cost preset').choices(['modern', 'firefly']))
    .option('--seed <n>', 'the machine seed', integer(-(2 ** 31), 2 ** 31 - 1))
    .addOption(timeout('host seconds from the worker\'s start to its answer; a thread that never yields is then reported as a hang'))
    .option('--export <name>', 'the export that is the app (default: default, else main)')
    .option('--trace <file>', 'write the run\'s trace as Chrome Trace Event JSON (opens in Perfetto)')
    .option('--html <file>', 'write the run\'s HTML timeline')
    .option('--timeline', 'print a text timeline of the run')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
Machine and process options from the flags are laid over the app's own \`options\`.
${EXIT_CODES}`)
    .action((app: string, args: string[], o: Record<string, unknown>, cmd: Command) => {
      const f = { ...o, activations: cmd.getOptionValueSource('activations') === 'cli' ? (o['activations'] as boolean) : undefined } as unknown as RunFlags;
      return set(runCommand(ctx, app, args.map(appArgument), f));
    });

  program.command('explore')
    .description('explore a scenario\'s race windows in worker threads; print the report, and on a failure its replay string and the command that replays it')
    .argument('[scenario]', 'a .ts or .js module exporting a Scenario ({ machine?, setup(m), check? }) as default or as `scenario` (or a function of no arguments returning one)')
    .addOption(new Option('--strategy <name>', 'how runs are planned').choices(STRATEGIES).default('random'))
    .option('--runs <n>', 'most runs after the baseline', integer(0), 1000)
    .option('--depth <d>', 'pct: bug depth (d - 1 change points)', integer(1))
    .option('--rate <n>', 'random: mean counted instructions between events (default: a third of the baseline\'s)', integer(1))
    .option('--bound <n>', 'exhaustive: largest cost explored (default: none, the run budget ends it)', integer(1))
    .addOption(new Option('--mode <mode>', 'exhaustive: what a schedule costs').choices(['delay', 'preemption']))
    .option('--kinds <list>', 'event kinds, comma-separated: irq, pf, rv, st (default irq, plus st on several CPUs)', kinds)
    .option('--windows <list>', 'count only these windows\' instructions, comma-separated (routines like resume, built-ins like user, or application windows)', names)
    .option('--seed <n>', 'replace the scenario\'s machine seed (the strategies draw from it)', integer(-(2 ** 31), 2 ** 31 - 1))
    .option('--stop-at-first', 'stop at the first failure')
    .option('--no-shrink', 'do not shrink the first failure')
    .option('--workers <n>', 'spread the runs over n worker threads (random and pct; exhaustive runs in one)', integer(1, 64), 1)
    .option('--shard <i/n>', 'run only the i-th of n deterministic slices of the runs and print them as JSON for --merge')
    .option('--merge <files...>', 'combine shard JSON files into one report (no scenario argument)')
    .addOption(timeout('host seconds without progress (a run that does not end) before the exploration is stopped and reported as a hang (loading the module gets at least 30)'))
    .option('--export <name>', 'the export that is the scenario (default: default, else scenario)')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', `
A progress bar (runs, runs/s, failures, ETA) is drawn on stderr when it is a terminal and --json is off.
Splitting is exact for random (run i is planned from (seed, i)); pct is checked (exact while its k does
not grow; else the runs are redone in one worker, and a merge says so); exhaustive cannot be split.
${EXIT_CODES}`)
    .action((scenario: string | undefined, o: Record<string, unknown>) => set(exploreCommand(ctx, scenario, o as unknown as ExploreFlags)));

  program.command('replay')
    .description('replay a scenario along a replay string and say whether it fails')
    .argument('<scenario>', 'the scenario module the string was recorded on')
    .argument('<string>', 'the replay string explore printed, e.g. \'s1;irq@main/1:teller:check#1+0\' (quote it: it holds ;)')
    .option('--windows <list>', 'the windows explore counted (as explore printed in its replay command)', names)
    .option('--export <name>', 'the export that is the scenario (default: default, else scenario)')
    .addOption(timeout('host seconds the run may take before it is reported as a hang (loading the module gets at least 30)'))
    .option('--trace <file>', 'write the run\'s trace as Chrome Trace Event JSON')
    .option('--html <file>', 'write the run\'s HTML timeline (the race window and the injected events highlighted)')
    .option('--timeline', 'print a text timeline of the run')
    .option('--json', 'print the outcome as JSON')
    .addHelpText('after', EXIT_CODES)
    .action((scenario: string, text: string, o: Record<string, unknown>) => set(replayCommand(ctx, scenario, text, o as unknown as ReplayFlags)));

  program.command('paper')
    .description('reproduce the 1992 paper on the simulated Firefly (bench/paper/run.ts); needs a checkout')
    .option('--json', 'print one JSON object')
    .option('--small', 'the small N-body of the tests')
    .addHelpText('after', EXIT_CODES)
    .action((o: { json?: boolean; small?: boolean }) => set(scriptCommand(ctx, 'paper', [...(o.json === true ? ['--json'] : []), ...(o.small === true ? ['--small'] : [])])));

  program.command('bench')
    .description('the host benchmark (bench/run.ts, about 10 minutes); needs a checkout')
    .option('--quick', 'a 45 s smoke run that writes nothing')
    .option('--only <part>', 'run one part alone (known: scale)')
    .addHelpText('after', EXIT_CODES)
    .action((o: { quick?: boolean; only?: string }) => set(scriptCommand(ctx, 'bench', [...(o.quick === true ? ['--quick'] : []), ...(o.only === undefined ? [] : ['--only', o.only])])));

  if (argv.length === 0) {
    ctx.io.err(program.helpInformation());
    return EXIT_USAGE;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version exit 0; every parse error is a usage error (commander printed it)
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? EXIT_OK : EXIT_USAGE;
    }
    if (e instanceof UsageError) {
      ctx.io.err(`upcall ${commandOf(argv)}: ${e.message}\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
  return code;
}

function timeout(description: string): Option {
  return new Option('--timeout <s>', description).argParser(secondsToMs).default(DEFAULT_TIMEOUT_S * 1000, `${DEFAULT_TIMEOUT_S}`);
}

function commandOf(argv: readonly string[]): string {
  return argv.find((a) => !a.startsWith('-')) ?? '';
}
