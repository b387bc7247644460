/**
 * `upcall explore` and `upcall replay` on the vault fixture (a check-then-act race, and
 * the same with a lock): a found failure exits 1 with its replay string and the command
 * that replays it, and that command reproduces the failure; the fixed scenario exits 0;
 * shards merge to the unsharded result; --workers 2 gives the --workers 1 result; a
 * thread that never yields is stopped by --timeout. Then run, explore and replay on the
 * examples themselves (examples/parallel-sum.ts, examples/race-bank.ts). In-process, main(argv).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExploreJson } from '../../../src/cli/explore-engine';
import { FIXTURES, shellWords, upcall } from './helpers';

const VAULT = `${FIXTURES}/vault.ts`;
const FIXED = `${FIXTURES}/fixed-vault.ts`;
const RUNS = ['--runs', '120'];

interface ExploreOut {
  readonly command: string;
  readonly exact: boolean;
  readonly result: ExploreJson;
  readonly replay: string | null;
  readonly replayCommand: string | null;
  readonly exitCode: number;
}

const tmp = mkdtempSync(join(tmpdir(), 'upcall-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The unsharded, single-worker JSON result, the reference for shards and workers. */
let reference: Promise<ExploreOut> | null = null;
function unsplit(): Promise<ExploreOut> {
  reference ??= upcall(['explore', VAULT, ...RUNS, '--json']).then((r) => {
    expect(r.code).toBe(1);
    return JSON.parse(r.out) as ExploreOut;
  });
  return reference;
}

describe('the commands on the examples', () => {
  it('upcall run examples/parallel-sum.ts 1000 --vcpus 2: the sum, exit 0', async () => {
    const r = await upcall(['run', 'examples/parallel-sum.ts', '1000', '--vcpus', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('upcall run examples/parallel-sum.ts: completed');
    expect(r.out).toContain('main returned 500500');
  });

  it('upcall explore examples/race-bank.ts finds the lost update, and its replay command fails again: exit 1', async () => {
    const r = await upcall(['explore', 'examples/race-bank.ts', '--strategy', 'pct', '--windows', 'check', '--runs', '100']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('an update was lost');
    const command = /^replay it: +(.+)$/m.exec(r.out)?.[1] ?? '';
    expect(command).toMatch(/^upcall replay examples\/race-bank\.ts 's\d+;[^']+' --windows check$/);
    const again = await upcall(shellWords(command).slice(1));
    expect(again.code).toBe(1);
    expect(again.out).toContain('FAILS (check)');
  });
});

describe('upcall explore: a planted bug', () => {
  it('exits 1 with the report, the replay string and the command that replays it; that command fails again', async () => {
    const r = await upcall(['explore', VAULT, '--strategy', 'pct', '--windows', 'draw', '--runs', '60']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^pct: 60 runs over draw \(baseline: \d+ counted of \d+ instructions, passes\)/);
    expect(r.out).toContain('first failure (run ');
    expect(r.out).toContain('a draw was lost');
    const replay = /^replay string: (\S+)$/m.exec(r.out)?.[1];
    const command = /^replay it: +(.+)$/m.exec(r.out)?.[1];
    expect(replay).toMatch(/^s\d+;/);
    expect(command).toBe(`upcall replay ${VAULT} '${replay ?? ''}' --windows draw`);
    const words = shellWords(command ?? '');
    expect(words.slice(0, 2)).toEqual(['upcall', 'replay']);
    const again = await upcall(words.slice(1));
    expect(again.code).toBe(1);
    expect(again.out).toContain(`replay ${replay ?? ''}: FAILS (check): check failed: stock`);
  });

  it('--json: the result, the replay string and the command', async () => {
    const j = await unsplit();
    expect(j.exitCode).toBe(1);
    expect(j.result.runs).toBe(120);
    expect(j.result.failures).toBeGreaterThan(0);
    expect(j.result.firstFailure).not.toBeNull();
    expect(j.result.deterministic).toBe(true);
    expect(j.replay).toBe(j.result.shrunk?.replay);
    expect(j.replayCommand).toBe(`upcall replay ${VAULT} '${j.replay ?? ''}'`);
    const again = await upcall(['replay', VAULT, j.replay ?? '', '--json']);
    expect(again.code).toBe(1);
    expect(JSON.parse(again.out)).toMatchObject({ command: 'replay', ok: false, category: 'check', exitCode: 1 });
  });

  it('the fixed scenario exits 0', async () => {
    const r = await upcall(['explore', FIXED, '--runs', '80', '--stop-at-first']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('random: 80 runs over every instruction');
    expect(r.out).toContain('0 failing');
    expect(r.out).not.toContain('replay string');
  });

  it('--stop-at-first stops at the failure; replay of a string that names no thread is a usage error', async () => {
    const r = await upcall(['explore', VAULT, '--stop-at-first', '--runs', '500', '--json']);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.out) as ExploreOut;
    expect(j.result.ended).toBe('first-failure');
    expect(j.result.runs).toBe(j.result.firstFailure?.run);
    const bad = await upcall(['replay', VAULT, 's1;irq@main/7:courier:draw#1+0']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('the string does not fit this scenario');
    expect(bad.err).toContain('main/7:courier');
  });
});

describe('upcall explore: splitting', () => {
  it('--shard 1/2 and 2/2, then --merge, give the unsharded runs, failures and first failure', async () => {
    const files: string[] = [];
    for (const s of ['1/2', '2/2']) {
      const r = await upcall(['explore', VAULT, ...RUNS, '--shard', s]);
      expect([0, 1]).toContain(r.code);
      const f = join(tmp, `shard-${s.replace('/', '-of-')}.json`);
      writeFileSync(f, r.out);
      files.push(f);
    }
    const merged = await upcall(['explore', '--merge', ...files, '--json']);
    expect(merged.code).toBe(1);
    const m = JSON.parse(merged.out) as ExploreOut;
    const u = await unsplit();
    expect(m.exact).toBe(true);
    expect(m.result.runs).toBe(120);
    expect([m.result.runs, m.result.failures, m.result.distinctSchedules]).toEqual([u.result.runs, u.result.failures, u.result.distinctSchedules]);
    expect(m.result).toEqual(u.result);
    expect(m.replayCommand).toBe(u.replayCommand);
    // the text report of the merge
    const text = await upcall(['explore', '--merge', ...files]);
    expect(text.code).toBe(1);
    expect(text.out).toContain(`random: 120 runs over every instruction`);
    expect(text.out).toContain(`replay it:     ${u.replayCommand ?? ''}`);
    // one shard alone is not the whole exploration
    const one = await upcall(['explore', '--merge', files[0] as string]);
    expect(one.code).toBe(2);
    expect(one.err).toContain('shard 2/2 missing');
  });

  it('--workers 2 gives the same result as --workers 1', async () => {
    const r = await upcall(['explore', VAULT, ...RUNS, '--workers', '2', '--json']);
    expect(r.code).toBe(1);
    const w = JSON.parse(r.out) as ExploreOut;
    const u = await unsplit();
    expect(w.result).toEqual(u.result);
    expect(JSON.stringify(w.result)).toBe(JSON.stringify(u.result));
  });

  it('exhaustive with --workers runs in one worker and says so', async () => {
    const r = await upcall(['explore', FIXED, '--strategy', 'exhaustive', '--runs', '20', '--workers', '2']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('exhaustive: 20 runs');
    expect(r.out).toContain('note: exhaustive cannot be split over workers');
  });
});

describe('upcall explore: a module that is no scenario', () => {
  it('exit 2, saying what the module must export', async () => {
    const r = await upcall(['explore', `${FIXTURES}/app-total.ts`, '--runs', '5']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('the scenario module exports no usable scenario');
    expect(r.err).toContain('must be a Scenario ({ machine?, setup(m), check?(report) })');
  });
});

describe('upcall explore: a thread that never yields', () => {
  it('--timeout reports the hang, naming the thread: exit 1', async () => {
    const r = await upcall(['explore', VAULT, '--export', 'spinning', '--timeout', '1', '--runs', '5']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('hang: no progress within 1 s of host time (--timeout) in the baseline run');
    expect(r.err).toContain("T2(spinner) of process 'p0'");
    expect(r.err).toContain('never yielded');
  });
});
