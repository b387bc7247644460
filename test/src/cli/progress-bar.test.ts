/**
 * The exploration's progress bar (src/cli/progress-bar.ts) drawn on a terminal-like
 * stream: it adds up the workers' shared counters and shows runs, total, runs/s,
 * failures, the ETA and the finishing stage; off (or with no runs to do) it draws
 * nothing at all.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressBar } from '../../../src/cli/progress-bar';
import { C_FAILURES, C_RUNS, C_STAGE, COUNTERS, S_EXPLORING, S_FINISHING } from '../../../src/cli/jobs';

/** A stream that says it is a terminal and keeps what is written to it. */
function terminal(): { stream: NodeJS.WritableStream; text: () => string } {
  let out = '';
  const w = new Writable({
    write(chunk: Buffer | string, _enc, done): void {
      out += chunk.toString();
      done();
    },
  });
  Object.assign(w, { isTTY: true, columns: 160, rows: 40 });
  return { stream: w, text: () => out };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('the progress bar', () => {
  it('adds up the workers: runs of the total, runs/s, failures, ETA, then the finishing stage', async () => {
    const t = terminal();
    const bar = progressBar(true, 1000, 'explore random', t.stream);
    const a = new Int32Array(new SharedArrayBuffer(4 * COUNTERS));
    const b = new Int32Array(new SharedArrayBuffer(4 * COUNTERS));
    bar.add(a);
    bar.add(b);
    a[C_STAGE] = S_EXPLORING;
    for (let i = 1; i <= 6; i++) {
      Atomics.add(a, C_RUNS, 60);
      Atomics.add(b, C_RUNS, 40);
      await sleep(150);
    }
    Atomics.store(b, C_FAILURES, 3);
    await sleep(300);
    const mid = t.text();
    expect(mid).toContain('explore random');
    expect(mid).toMatch(/600\/1000 runs/);
    expect(mid).toMatch(/\| \d+ runs\/s/); // a rate once two samples exist
    expect(mid).toContain('3 failing');
    expect(mid).toMatch(/ETA \d+s/);
    Atomics.store(a, C_STAGE, S_FINISHING);
    await sleep(300);
    expect(t.text().slice(mid.length)).toContain('shrinking the first failure');
    bar.stop();
  });

  it('draws nothing when off or when there are no runs to do', async () => {
    for (const [enabled, total] of [[false, 100], [true, 0]] as const) {
      const t = terminal();
      const bar = progressBar(enabled, total, 'explore pct', t.stream);
      const c = new Int32Array(new SharedArrayBuffer(4 * COUNTERS));
      bar.add(c);
      Atomics.add(c, C_RUNS, 10);
      await sleep(300);
      bar.stop();
      expect(t.text()).toBe('');
    }
  });
});
