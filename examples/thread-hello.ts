/**
 * threadHello, from the threads lecture (seed 002): main creates ten threads; thread n
 * says hello and exits with 100 + n; main joins them in creation order and prints each
 * exit value, then "Main thread done.".
 *
 * Output lines are recorded with the simulated time at which they were "printed", so
 * the order in which threads ran on the simulated vCPUs stays visible. Run it alone
 * with `npx tsx examples/thread-hello.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Machine, exit, join, now, spawn } from '../src/index';
import type { Code, PolicyOption, Report, Thread } from '../src/index';

export interface HelloOptions {
  /** Number of threads. Default 10 (as in the lecture). */
  readonly threads?: number;
  /** Physical CPUs. Default 4. */
  readonly cpus?: number;
  /** vCPUs of the process. Default 4. */
  readonly vcpus?: number;
  readonly policy?: PolicyOption;
  readonly seed?: number;
}

export interface HelloLine {
  /** Simulated ns at which the line was printed. */
  readonly time: number;
  readonly text: string;
}

export interface HelloResult {
  readonly report: Report;
  /** Every printed line, in the order printed (simulated time never decreases). */
  readonly lines: readonly HelloLine[];
  /** Exit values in join order (thread 0 first). */
  readonly returned: readonly number[];
}

export function threadHello(opts: HelloOptions = {}): HelloResult {
  const n = opts.threads ?? 10;
  const lines: HelloLine[] = [];
  const returned: number[] = [];

  function* print(text: string): Code<void> {
    lines.push({ time: yield* now(), text });
  }

  function* go(i: number): Code<number> {
    yield* print(`Hello from thread ${i}`);
    yield* exit(100 + i);
    throw new Error('REACHED: exit returned'); // never: exit does not return
  }

  function* main(): Code<string> {
    const threads: Thread<number>[] = [];
    for (let i = 0; i < n; i++) threads.push(yield* spawn(go, i));
    for (let i = 0; i < n; i++) {
      const exitValue = yield* join(threads[i]!);
      returned.push(exitValue);
      yield* print(`Thread ${i} returned with ${exitValue}`);
    }
    yield* print('Main thread done.');
    return 'done';
  }

  const m = new Machine({ cpus: opts.cpus ?? 4, seed: opts.seed ?? 7 });
  m.process({ vcpus: opts.vcpus ?? 4, policy: opts.policy ?? 'fifo' }, main);
  const report = m.run();
  return { report, lines, returned };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { report, lines } = threadHello();
  for (const l of lines) console.log(`[${String(l.time).padStart(7)} ns] ${l.text}`);
  console.log(`outcome: ${report.outcome.kind}, end time ${report.endTime} ns`);
}
