/**
 * The `upcall` command, in-process (main(argv) with a captured Io): --help for every
 * command, usage errors (exit 2, with a message that says what to fix), `run` of fixture
 * apps (a result, --json, a thread that throws, a thread that never yields stopped by
 * --timeout), the trace flags until trace export lands, and the checkout-only commands.
 * Exploration, replay, shards and workers are in explore.test.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportTrace, NOT_AVAILABLE } from '../../../src/cli/trace-flags';
import { parseShard, slice } from '../../../src/cli/merge';
import { FIXTURES, upcall } from './helpers';

const APP = `${FIXTURES}/app-total.ts`;

describe('upcall --help', () => {
  it('prints the commands and the exit codes, exit 0', async () => {
    const r = await upcall(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['demo', 'run', 'explore', 'replay', 'paper', 'bench']) expect(r.out).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(r.out).toContain('Exit codes:');
    expect(r.out).toContain('2  usage error');
  });

  it.each([
    ['demo', []],
    ['run', ['--mapping', '--cpus', '--vcpus', '--preset', '--seed', '--timeout', '--json', '--trace', '--html', '--timeline']],
    ['explore', ['--strategy', '--depth', '--rate', '--bound', '--mode', '--kinds', '--windows', '--runs', '--seed', '--stop-at-first', '--workers', '--shard', '--merge', '--timeout', '--json']],
    ['replay', ['--html', '--json', '--timeout']],
    ['paper', ['--json', '--small']],
    ['bench', ['--quick']],
  ])('upcall %s --help lists its flags', async (cmd, flags) => {
    const r = await upcall([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Usage: upcall ${cmd}`);
    expect(r.out).toContain('Exit codes:');
    for (const f of flags) expect(r.out).toContain(f);
  });

  it('with no command prints the help on stderr, exit 2', async () => {
    const r = await upcall([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage: upcall');
  });
});

describe('usage errors: exit 2 and what to fix', () => {
  it('an unknown command', async () => {
    const r = await upcall(['frob']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frob'");
  });

  it('an unknown flag, with a suggestion', async () => {
    const r = await upcall(['run', APP, '--sed', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--sed'");
    expect(r.err).toContain('--seed');
  });

  it('a bad --strategy names the strategies', async () => {
    const r = await upcall(['explore', `${FIXTURES}/vault.ts`, '--strategy', 'chaos']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("argument 'chaos' is invalid. Allowed choices are random, pct, exhaustive");
  });

  it('bad values: a number out of range, a bad kind, a bad shard, a flag of another strategy', async () => {
    const cpus = await upcall(['run', APP, '--cpus', '0']);
    expect([cpus.code, cpus.err]).toEqual([2, expect.stringContaining('expected an integer from 1 to 256') as unknown]);
    const kinds = await upcall(['explore', `${FIXTURES}/vault.ts`, '--kinds', 'irq,boom']);
    expect([kinds.code, kinds.err]).toEqual([2, expect.stringContaining("unknown event kind 'boom'") as unknown]);
    const shard = await upcall(['explore', `${FIXTURES}/vault.ts`, '--shard', '3/2']);
    expect([shard.code, shard.err]).toEqual([2, expect.stringContaining('expected i/n with 1 <= i <= n') as unknown]);
    const depth = await upcall(['explore', `${FIXTURES}/vault.ts`, '--depth', '3']);
    expect([depth.code, depth.err]).toEqual([2, expect.stringContaining('--depth applies to --strategy pct only') as unknown]);
    const timeout = await upcall(['run', APP, '--timeout', 'soon']);
    expect([timeout.code, timeout.err]).toEqual([2, expect.stringContaining('expected a number of seconds') as unknown]);
  });

  it('exhaustive cannot be sharded', async () => {
    const r = await upcall(['explore', `${FIXTURES}/vault.ts`, '--strategy', 'exhaustive', '--shard', '1/2']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('exhaustive cannot be split into shards');
  });

  it.each([['run'], ['explore'], ['replay']])('%s of a missing module', async (cmd) => {
    const r = await upcall(cmd === 'replay' ? [cmd, 'no/such/module.ts', 's1'] : [cmd, 'no/such/module.ts']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/module 'no\/such\/module\.ts' does not exist \(looked for .*no\/such\/module\.ts\); pass the path of a \.ts or \.js file/);
  });

  it('an app whose options the machine refuses names the option', async () => {
    const r = await upcall(['run', APP, '--vcpus', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("vcpus: 4 vCPUs exceed the machine's 2 CPU(s)");
  });

  it('--merge of files that are no shard results', async () => {
    const missing = await upcall(['explore', '--merge', 'no-such-shard.json']);
    expect([missing.code, missing.err]).toEqual([2, expect.stringContaining("cannot read 'no-such-shard.json'") as unknown]);
    const notShard = await upcall(['explore', '--merge', 'package.json']);
    expect([notShard.code, notShard.err]).toEqual([2, expect.stringContaining('is not a shard result of upcall explore --shard i/n') as unknown]);
  });
});

describe('upcall run', () => {
  it('runs a fixture app in a worker and prints its result', async () => {
    const r = await upcall(['run', APP]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`upcall run ${APP}: completed`);
    expect(r.out).toContain('main returned 60');
    expect(r.out).toMatch(/trace hash [0-9a-f]{8}/);
  });

  it('--json: the runInWorker result, with args and flags laid over the app options', async () => {
    const r = await upcall(['run', APP, '4', '--cpus', '1', '--vcpus', '1', '--seed', '9', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { command: string; kind: string; exitCode: number; report: { ok: boolean; outcome: string; processes: { mainResult: { value: unknown }; threads: number }[] } };
    expect(j.command).toBe('run');
    expect(j.kind).toBe('done');
    expect(j.exitCode).toBe(0);
    expect(j.report.ok).toBe(true);
    expect(j.report.processes[0]?.mainResult.value).toBe(100);
    expect(j.report.processes[0]?.threads).toBe(5);
  });

  it('an app whose thread throws: exit 1 with the crash', async () => {
    const r = await upcall(['run', `${FIXTURES}/app-throws.ts`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(': fault');
    expect(r.out).toContain('died of Error: the fixture app gave up');
  });

  it('--timeout stops a thread that never yields and names it: exit 1', async () => {
    // the limit includes loading the module (runInWorker's), which takes a while under tsx on a busy machine
    const r = await upcall(['run', `${FIXTURES}/app-spin.ts`, '--timeout', '4']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('hang: no answer within 4000 ms of host time');
    expect(r.err).toContain("T2(looper) of process 'p0'");
    expect(r.err).toContain('never yielded');
  });

  it('--trace, --html and --timeline write the Chrome trace and the HTML timeline and print the text timeline', async () => {
    const json = join(tmpdir(), `upcall-cli-trace-test-${process.pid}.json`);
    const html = join(tmpdir(), `upcall-cli-trace-test-${process.pid}.html`);
    const r = await upcall(['run', APP, '--trace', json, '--html', html, '--timeline']);
    expect(r.code).toBe(0);
    expect(r.err).toContain(`wrote ${json}`);
    expect(r.out).toContain('completed');
    expect(r.out).toMatch(/^cpu0 /m);
    const c = JSON.parse(readFileSync(json, 'utf8')) as { traceEvents: { ph: string; name: string }[] };
    expect(c.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
    expect(c.traceEvents.some((e) => e.ph === 'X')).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!DOCTYPE html>/i);
    expect(page).not.toMatch(/https?:\/\//);
  });
});

describe('replay --html', () => {
  it('writes the timeline of the failing replay with its injected event and failure highlighted: exit 1', async () => {
    const html = join(tmpdir(), `upcall-cli-replay-${process.pid}.html`);
    const r = await upcall(['replay', `${FIXTURES}/vault.ts`, 's1;irq@main/1:courier:draw#1+0', '--html', html]);
    expect(r.code).toBe(1);
    expect(r.out).toContain('FAILS (check)');
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('"failure":{"time":');
    expect(page).toMatch(/"events":\[\{"time":\d+,"cpu":0,"label":"injected irq at user \(T2\(courier\)\)"\}\]/);
  });
});

describe('the checkout-only commands run their scripts in a checkout', () => {
  it('upcall demo runs the demo to its end and its own checks pass: exit 0', async () => {
    const r = await upcall(['demo']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('=== threadHello: 10 threads, 4 vCPUs on 4 CPUs');
    expect(r.out).toContain('Hello from thread 9');
    expect(r.out).toContain('ok   exhaustive finds the resume race with one interrupt');
    expect(r.out).not.toMatch(/^\s*FAIL/m);
  }, 120_000);

  it('upcall paper --small --json reproduces the tables as data: exit 0', async () => {
    const r = await upcall(['paper', '--small', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { preset: string; table4: { nullFork: Record<string, number>; signalWait: Record<string, number> } };
    expect(j.preset).toBe('firefly');
    for (const row of [j.table4.nullFork, j.table4.signalWait]) {
      expect(Object.keys(row).length).toBeGreaterThanOrEqual(3); // the paper's systems, each a latency
      for (const us of Object.values(row)) expect(us).toBeGreaterThan(0);
    }
  }, 240_000);

  it("upcall bench hands its flags to the benchmark, whose own usage error is the command's failure: exit 1", async () => {
    const r = await upcall(['bench', '--only', 'everything']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('bench: --only everything: unknown part (known: scale)');
  }, 120_000);
});

describe('the checkout-only commands from an installed package', () => {
  it.each([['demo'], ['paper'], ['bench']])('upcall %s says it needs a checkout: exit 2', async (cmd) => {
    const r = await upcall([cmd], { entryUrl: 'file:///nowhere/node_modules/upcall/dist/cli.js' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('runs from a checkout of the upcall repository');
    expect(r.err).toContain(`npm run ${cmd}`);
  });
});

describe('pieces', () => {
  it('slices cover the run range once, in order', () => {
    for (const [runs, n] of [[10, 3], [2, 5], [0, 2], [1000, 7]] as const) {
      const s = Array.from({ length: n }, (_, k) => slice(0, runs, k, n));
      expect(s[0]?.lo).toBe(0);
      expect(s[n - 1]?.hi).toBe(runs);
      for (let k = 1; k < n; k++) expect(s[k]?.lo).toBe(s[k - 1]?.hi);
    }
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect(() => parseShard('0/3')).toThrow(/1 <= i <= n/);
  });

  it('exportTrace: nothing to do without flags; a result without trace data says so', () => {
    expect(exportTrace({ kind: 'done', report: {} }, {})).toEqual({ ok: true, files: [], text: '' });
    const r = exportTrace({ kind: 'done', report: { traceHash: 'x' } }, { html: 'a.html' });
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.message).toContain(NOT_AVAILABLE);
  });
});
