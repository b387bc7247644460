/**
 * The exploration's progress bar on stderr (runs done, runs/s, failures, ETA), drawn with
 * cli-progress (chosen over hand-written ANSI: it handles terminal width, redraw throttling,
 * cursor hiding and the ETA estimate, and has no native parts). It is drawn only when
 * stderr is a terminal and --json is off; it reads the workers' shared counters, so it
 * needs no message from a worker that is busy running.
 */
import cliProgress from 'cli-progress';
import { C_FAILURES, C_RUNS, C_STAGE, S_FINISHING } from './jobs';

export interface ProgressBar {
  /** Counters of one more worker to add up. */
  add(counters: Int32Array): void;
  stop(): void;
}

/** Host ms of samples the rate is taken over. */
const WINDOW_MS = 3000;

const NONE: ProgressBar = { add: () => undefined, stop: () => undefined };

/** `stream`: where to draw (stderr; a test passes its own terminal-like stream). */
export function progressBar(enabled: boolean, total: number, label: string, stream: NodeJS.WritableStream = process.stderr): ProgressBar {
  if (!enabled || total <= 0) return NONE;
  const bar = new cliProgress.SingleBar({
    stream,
    format: `${label} [{bar}] {value}/{total} runs | {rate} runs/s | {failures} failing | ETA {remaining}{stage}`,
    hideCursor: true,
    clearOnComplete: true,
    fps: 8,
  }, cliProgress.Presets.shades_classic);
  const all: Int32Array[] = [];
  /** Recent (host ms, runs) samples: the rate and ETA are over the last few seconds, not since the start (which includes loading). */
  const samples: { t: number; runs: number }[] = [];
  bar.start(total, 0, { rate: '-', failures: 0, remaining: '-', stage: '' });
  const tick = setInterval(() => {
    let runs = 0;
    let failures = 0;
    let finishing = false;
    for (const c of all) {
      runs += Atomics.load(c, C_RUNS);
      failures += Atomics.load(c, C_FAILURES);
      if (Atomics.load(c, C_STAGE) === S_FINISHING) finishing = true;
    }
    const now = performance.now();
    samples.push({ t: now, runs });
    while (samples.length > 2 && now - (samples[0] as { t: number }).t > WINDOW_MS) samples.shift();
    const first = samples[0] as { t: number; runs: number };
    const perS = now > first.t ? ((runs - first.runs) * 1000) / (now - first.t) : 0;
    const left = Math.max(0, total - runs);
    bar.update(Math.min(runs, total), {
      rate: perS > 0 ? perS.toFixed(0) : '-', failures,
      remaining: left === 0 ? '0s' : perS > 0 ? duration(left / perS) : '-',
      stage: finishing ? ' | shrinking the first failure' : '',
    });
  }, 125);
  return {
    add: (c) => void all.push(c),
    stop: () => {
      clearInterval(tick);
      bar.stop();
    },
  };
}

function duration(s: number): string {
  if (s < 60) return `${Math.ceil(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.ceil(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
