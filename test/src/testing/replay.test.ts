/**
 * Replay strings (src/testing/replay.ts, reproduce.ts): the grammar round-trips,
 * malformed and stale strings are errors that name the token and why, a replayed run is
 * the recorded run exactly (trace hash), the determinism self-check, strings survive a
 * change of the program outside the window, and typical failures fit in 200 characters.
 */
import fc from 'fast-check';
import { test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { bank } from '../../../examples/race-bank';
import { resumeRace } from '../../../examples/race-resume';
import {
  at, checkDeterminism, explore, exhaustive, formatReplay, parseReplay, pct, replay, ReplayError, runScenario,
} from '../../../src/testing/index';
import type { Scenario, Token } from '../../../src/testing/index';
import { random } from '../../../src/testing/index';
import { machineArb, programArb, programScenario } from './programs';
import { compute, enterWindow, join, leaveWindow, spawn, step, touch } from '../../../src/index';
import type { Code, Machine } from '../../../src/index';

/** A thread path: `main`, then `/<spawn index>:<body>` per spawn (replay.ts). */
const path = fc
  .array(fc.tuple(fc.integer({ min: 1, max: 30 }), fc.stringMatching(/^[A-Za-z_$][\w$]{0,8}$/)), { maxLength: 3 })
  .map((segs) => `main${segs.map(([i, body]) => `/${i}:${body}`).join('')}`);
const thread = fc.record({ proc: fc.integer({ min: 0, max: 3 }), path });
const name = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,8}$/);
/** An event and its `n`: 0 for irq, pf and rv, a stall's positive length for st. */
const event = fc.oneof(
  fc.record({ event: fc.constantFrom('irq' as const, 'pf' as const, 'rv' as const), n: fc.constant(0) }),
  fc.record({ event: fc.constant('st' as const), n: fc.integer({ min: 1, max: 100_000 }) }),
);
const anchorArb = fc.oneof(
  fc.record({ kind: fc.constant('thread' as const), at: thread, index: fc.integer({ min: 1, max: 10_000 }), rest: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('window' as const), at: thread, window: name, entry: fc.integer({ min: 1, max: 50 }), offset: fc.integer({ min: 0, max: 50 }), rest: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('pc' as const), cpu: fc.integer({ min: -1, max: 7 }), at: fc.constant(null), symbol: fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/), offset: fc.integer({ min: 0, max: 20 }), nth: fc.integer({ min: 1, max: 500 }) }),
  fc.record({ kind: fc.constant('pc' as const), cpu: fc.constant(-1), at: thread, symbol: fc.stringMatching(/^[a-z_][a-z0-9_]{0,10}$/).filter((x) => !/^page\d/.test(x)), offset: fc.integer({ min: 0, max: 20 }), nth: fc.integer({ min: 1, max: 500 }) }),
);
const tokenArb: fc.Arbitrary<Token> = fc.oneof(
  { arbitrary: fc.tuple(event, anchorArb).map(([e, anchor]): Token => ({ kind: 'event', event: e.event, anchor, n: e.n })), weight: 4 },
  fc.record({ kind: fc.constant('pick' as const), nth: fc.integer({ min: 1, max: 500 }), thread }),
  fc.record({ kind: fc.constant('touch' as const), at: thread, page: fc.integer({ min: 0, max: 5_000 }), nth: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('choice' as const), point: fc.constantFrom('tie' as const, 'io' as const, 'victim' as const), nth: fc.integer({ min: 1, max: 500 }), answer: fc.integer({ min: 0, max: 9 }) }),
);

describe('replay grammar', () => {
  test.prop([fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.array(tokenArb, { maxLength: 8 })])('parse(format(tokens)) gives the tokens back', (seed, tokens) => {
    const all: Token[] = [{ kind: 'seed', seed }, ...tokens];
    expect(parseReplay(formatReplay(all))).toEqual(all);
  });

  it('reads the forms of the issue, with spaces around tokens', () => {
    expect(parseReplay('s7; irq@cpu1:resume+1 ;pf@main/2:worker:page12')).toEqual([
      { kind: 'seed', seed: 7 },
      { kind: 'event', event: 'irq', anchor: { kind: 'pc', cpu: 1, at: null, symbol: 'resume', offset: 1, nth: 1 }, n: 0 },
      { kind: 'touch', at: { proc: 0, path: 'main/2:worker' }, page: 12, nth: 1 },
    ]);
    expect(parseReplay('s-3;rv@P1.main/1:teller:check#2+0;tie#4=1')[1]).toEqual(
      { kind: 'event', event: 'rv', anchor: { kind: 'window', at: { proc: 1, path: 'main/1:teller' }, window: 'check', entry: 2, offset: 0, rest: 0 }, n: 0 },
    );
    expect(parseReplay('s1;irq@main:resume+1#2;st@main/1:teller/1:c:7=40 ; pick#3=P1.main/2:worker;pf@main/1:anon:3')).toEqual([
      { kind: 'seed', seed: 1 },
      { kind: 'event', event: 'irq', anchor: { kind: 'pc', cpu: -1, at: { proc: 0, path: 'main' }, symbol: 'resume', offset: 1, nth: 2 }, n: 0 },
      { kind: 'event', event: 'st', anchor: { kind: 'thread', at: { proc: 0, path: 'main/1:teller/1:c' }, index: 7, rest: 0 }, n: 40 },
      { kind: 'pick', nth: 3, thread: { proc: 1, path: 'main/2:worker' } },
      { kind: 'event', event: 'pf', anchor: { kind: 'thread', at: { proc: 0, path: 'main/1:anon' }, index: 3, rest: 0 }, n: 0 },
    ]);
  });

  const bad: [string, RegExp][] = [
    ['', /token 1 '': empty token/],
    ['irq@main:3', /token 1 'irq@main:3': a replay string starts with the seed/],
    ['s1;;irq@main:3', /token 2 '': empty token/],
    ['s1;', /token 2 '': empty token .*trailing/],
    ['s1;s2', /token 2 's2': a second seed/],
    ['s1;zap@main:3', /token 2 'zap@main:3': unknown event 'zap' \(known: irq, pf, rv, st\)/],
    // threads are named by path, no longer by number
    ['s1;irq@T1:3', /token 2 'irq@T1:3': cannot read the anchor 'T1:3' .*threads are named by path from main/],
    ['s1;irq@P1.T2:check#1+0', /token 2 'irq@P1\.T2:check#1\+0': cannot read the anchor/],
    ['s1;pf@T1:page3', /token 2 'pf@T1:page3': cannot read the anchor/],
    ['s1;irq@main/1:3', /token 2 'irq@main\/1:3': cannot read the anchor/], // a spawn without its body
    ['s1;irq@main/w:3', /token 2 'irq@main\/w:3': cannot read the anchor/], // a spawn without its index
    ['s1;irq@main/1:9w:3', /cannot read the anchor 'main\/1:9w:3'/], // a body that is no identifier
    ['s1;irq@worker:3', /cannot read the anchor 'worker:3'/], // a path starts at main
    ['s1;irq@main:0', /token 2 'irq@main:0': the instruction index counts from 1/],
    ['s1;irq@main/1:w:check#0+1', /the window entry counts from 1/],
    ['s1;irq@cpu0:resume+1#0', /the arrival ordinal counts from 1/],
    ['s1;irq@main:page3', /token 2 'irq@main:page3': only a page fault \(pf\) can land on a touch/],
    ['s1;st@main:page3=5', /only a page fault \(pf\) can land on a touch/],
    ['s1;st@main:3', /token 2 'st@main:3': a stall names its length: st@<anchor>=<instructions>/],
    ['s1;st@main:3=0', /token 2 'st@main:3=0': the stall length counts from 1, got 0/],
    ['s1;irq@main:3=4', /token 2 'irq@main:3=4': only a stall \(st\) has a length after =/],
    ['s1;pick#0=main', /token 2 'pick#0=main': the ordinal after # counts from 1, got 0/],
    ['s1;pick#1=T3', /token 2 'pick#1=T3': expected pick#<n>=<thread path>/],
    ['s1;pick#1=0', /token 2 'pick#1=0': expected pick#<n>=<thread path>/],
    ['s1;pick#2=main/1:', /expected pick#<n>=<thread path>/],
    ['s1;spin#1=0', /unknown decision 'spin' \(known: tie, io, victim\)/],
    ['s1;tie#0=1', /the ordinal after # counts from 1/],
    ['s1;irq@@@', /cannot read the anchor '@@'/],
    ['s1;hello', /expected event@anchor/],
    ['s99999999999', /the seed must be a 32-bit integer/],
  ];
  for (const [text, why] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      expect(() => parseReplay(text)).toThrow(ReplayError);
      expect(() => parseReplay(text)).toThrow(why);
    });
  }
});

describe('replaying against a program', () => {
  const unsafe = resumeRace({ unsafe: true });

  it('a replayed run is the recorded run, trace hash for trace hash', () => {
    const found = explore(unsafe, { strategy: pct({ depth: 2, windows: ['resume'] }), runs: 20, shrink: false });
    const first = found.firstFailure;
    expect(first).not.toBeNull();
    const again = replay(unsafe, first!.replay, { windows: ['resume'] });
    expect(again.ok).toBe(false);
    expect(again.replay).toBe(first!.replay);
    expect(again.category).toBe(first!.category);
    // the explorer's own record of that run, re-run from its schedule, has the same hash
    const viaSchedule = runScenario(unsafe, { seed: first!.schedule.seed, windows: first!.schedule.windows });
    expect(viaSchedule.ok).toBe(true); // without the event it passes: the string carries the bug
    expect(checkDeterminism(unsafe, first!.replay).deterministic).toBe(true);
  });

  it('the same string is harmless with the range check on (same landing, nothing lost)', () => {
    const r = replay(resumeRace({ unsafe: false }), 's1;irq@cpu0:resume+1#3');
    expect(r.ok).toBe(true);
    expect(r.fired.length).toBe(1);
  });

  it('checkDeterminism double-runs a schedule and compares hashes', () => {
    const c = checkDeterminism(unsafe, 's1;irq@cpu0:resume+1#3');
    expect(c.deterministic).toBe(true);
    expect(c.hashes[0]).toBe(c.hashes[1]);
    expect(c.replays).toEqual(['s1;irq@main/2:worker:resume+1', 's1;irq@main/2:worker:resume+1']); // recorded in the thread form (main's 2nd spawn)
  });

  const stale: [string, RegExp][] = [
    ['s1;irq@cpu0:resume+1#300', /token 2 'irq@cpu0:resume\+1#300' never fired: cpu0 reached resume\+1 14 time\(s\), not 300/],
    ['s1;irq@main/9:worker:4', /token 2 'irq@main\/9:worker:4' never fired: the run has no thread main\/9:worker: main spawned 2 thread\(s\)/],
    ['s1;irq@main/1:worker:400', /token 2 'irq@main\/1:worker:400' never fired: main\/1:worker ran \d+ instruction\(s\), never reaching instruction 400/],
    ['s1;irq@main/1:worker:check#1+0', /never fired: main\/1:worker entered window 'check' 0 time\(s\), not 1/],
    ['s1;tie#1=1', /token 2 'tie#1=1' never fired: the run took fewer such decisions/],
    ['s1;pf@main/1:worker:page7', /token 2 'pf@main\/1:worker:page7' never fired: main\/1:worker touched page 7 0 time\(s\)/],
    ['s1;irq@cpu0:resum+1', /token 2 'irq@cpu0:resum\+1': no code symbol 'resum'/],
    ['s1;irq@cpu0:resume+9', /'resume\+9' lies outside its routine/],
    ['s1;irq@cpu3:resume+1', /the machine has 1 CPU\(s\), no cpu3/],
  ];
  for (const [text, why] of stale) {
    it(`a stale or impossible token is an error, never a different run: ${text}`, () => {
      expect(() => replay(unsafe, text)).toThrow(ReplayError);
      expect(() => replay(unsafe, text)).toThrow(why);
    });
  }

  it('a token naming a thread the run does not have, or a spawn with another body, is an error saying so', () => {
    // bank: main spawns two tellers (main/1:teller, main/2:teller)
    expect(replay(bank(), 's1;irq@main/1:teller:3').fired.length).toBe(1); // the real path lands
    expect(() => replay(bank(), 's1;irq@main/9:teller:3')).toThrow(ReplayError);
    expect(() => replay(bank(), 's1;irq@main/9:teller:3')).toThrow(/token 2 'irq@main\/9:teller:3' never fired: the run has no thread main\/9:teller: main spawned 2 thread\(s\)/);
    expect(() => replay(bank(), 's1;irq@main/1:nobody:3')).toThrow(ReplayError);
    expect(() => replay(bank(), 's1;irq@main/1:nobody:3')).toThrow(/token 2 'irq@main\/1:nobody:3' never fired: the run has no thread main\/1:nobody: spawn 1 of main runs 'teller', not 'nobody'/);
    // a parent that does not exist, and a process the run lacks
    expect(() => replay(bank(), 's1;irq@main/1:teller/1:c:3')).toThrow(/the run has no thread main\/1:teller\/1:c: main\/1:teller spawned 0 thread\(s\)/);
    expect(() => replay(bank(), 's1;irq@P1.main:3')).toThrow(/token 2 'irq@P1\.main:3' never fired: the run has no process 1/);
  });

  /** Two vCPUs on two CPUs, or plain M:N (kernel threads: no vCPU to revoke). */
  const twoCpus = (activations: boolean): Scenario => ({
    machine: { cpus: 2, seed: 3 },
    setup(m: Machine): void {
      m.process({ vcpus: 2, activations }, function* (): Code<void> {
        const ts = [];
        for (let i = 0; i < 2; i++) ts.push(yield* spawn(function* w(): Code<void> { yield* compute(1_000); yield* step(); }));
        for (const t of ts) yield* join(t);
      });
    },
  });

  it('an out-of-range answer names the decision and its choices', () => {
    // both CPUs start at time 0: the first tie offers 2 choices
    expect(() => replay(twoCpus(true), 's3;tie#1=5')).toThrow(/token 2 'tie#1=5': tie #1 offered 2 choice\(s\), 0\.\.1/);
    expect(replay(twoCpus(true), 's3;tie#1=1').ok).toBe(true);
  });

  it('a revocation where there is no vCPU to revoke is an error naming the token', () => {
    expect(() => replay(twoCpus(false), 's3;rv@main/1:w:2')).toThrow(/token 2 'rv@main\/1:w:2': there is no vCPU to revoke there/);
    expect(replay(twoCpus(true), 's3;rv@main/1:w:2').ok).toBe(true); // with activations it lands, and the run completes
  });
});

describe('replay strings survive a change that does not touch the window', () => {
  it('resume window: a worker that computes longer between yields still fails at the same landing', () => {
    const before = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), stopAtFirst: true });
    const text = before.shrunk!.replay;
    const after = replay(resumeRace({ unsafe: true, extra: 5_000 }), text);
    expect(after.ok).toBe(false);
    expect(after.category).toBe(before.shrunk!.category);
  });

  it('an application window: tellers that warm up with 25 more instructions fail at the same window offset', () => {
    const found = explore(bank(), { strategy: pct({ depth: 2, windows: ['check'] }), runs: 30 });
    const text = found.shrunk!.replay;
    // a teller (main's 1st or 2nd spawn), after PCT's pick of it where it took the other one
    expect(text).toMatch(/^s1(;pick#\d+=main\/[12]:teller)?;irq@main\/[12]:teller:check#\d\+\d$/);
    const after = replay(bank({ warmup: 25 }), text);
    expect(after.ok).toBe(false);
    expect(after.failure).toMatch(/an update was lost/);
    // the same event by raw instruction index would land elsewhere after the change
    const idx = runScenario(bank(), { windows: ['check'] });
    expect(idx.ok).toBe(true);
  });

  it('typical failures fit in 200 characters', () => {
    const cases = [
      explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), stopAtFirst: true }).shrunk!.replay,
      explore(resumeRace({ unsafe: true }), { strategy: pct({ depth: 2, windows: ['resume'] }), runs: 10 }).shrunk!.replay,
      explore(bank(), { strategy: pct({ depth: 2, windows: ['check'] }), runs: 10 }).shrunk!.replay,
      explore(bank(), { strategy: at(['irq@main/1:teller:check#1+0']) }).firstFailure!.replay,
    ];
    for (const c of cases) {
      expect(c.length, c).toBeLessThan(200);
      expect(c).toMatch(/^s-?\d+(;[^;]+)+$/);
    }
  });
});

describe('what anchors name', () => {
  it('touches count the program\'s touches, not the retry after a page-in', () => {
    const s: Scenario = {
      machine: { cpus: 1, seed: 5 },
      setup(m: Machine): void {
        m.process({ memory: { residentPages: 4 } }, function* (): Code<void> {
          for (let i = 0; i < 3; i++) { yield* touch(2); yield* compute(10); }
        });
      },
    };
    const faults = (r: ReturnType<typeof runScenario>) => r.report?.processes[0]?.memory?.faults;
    expect(faults(runScenario(s))).toBe(1); // the first touch misses, its retry hits
    const r = replay(s, 's5;pf@main:page2#2');
    expect(faults(r)).toBe(2); // the program's 2nd touch was forced to fault
    expect(() => replay(s, 's5;pf@main:page2')).toThrow(/token 2 'pf@main:page2': the page was not resident at that touch/);
    expect(() => replay(s, 's5;pf@main:page2#4')).toThrow(/main touched page 2 3 time\(s\)/);
  });

  it('a window offset counts the boundaries inside the pass: +0 is the one after the instruction that entered it', () => {
    const trail: string[] = [];
    const s: Scenario = {
      machine: { cpus: 1, seed: 1 },
      setup(m: Machine): void {
        trail.length = 0;
        m.process({}, function* (): Code<void> {
          const other = yield* spawn(function* other(): Code<void> { trail.push('OTHER'); });
          enterWindow('w');
          trail.push('A');
          yield* step();
          trail.push('B');
          yield* step();
          trail.push('C');
          leaveWindow('w');
          yield* join(other);
        });
      },
    };
    replay(s, 's1;irq@main:w#1+0');
    expect(trail).toEqual(['A', 'OTHER', 'B', 'C']);
    replay(s, 's1;irq@main:w#1+1');
    expect(trail).toEqual(['A', 'B', 'OTHER', 'C']);
    expect(() => replay(s, 's1;irq@main:w#1+2')).toThrow(/main's pass #1 through 'w' never reached offset 2/);
  });

  it('dispatcher anchors name the thread being worked for: a yield added to main before the spawns does not move them', () => {
    const text = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), invariants: false }).shrunk!.replay;
    const lost = (r: ReturnType<typeof runScenario>) => (r.report?.outcome.kind === 'livelock' ? r.report.outcome.lost : []);
    const quiet = { invariants: false } as const; // the corruption itself, not the invariant
    const worker = 's1;irq@main/2:worker:resume+1#2'; // the 2nd worker's (T3's) 2nd resume, right after the clear
    expect(lost(replay(resumeRace({ unsafe: true }), worker, quiet))).toEqual(['T3(worker)']);
    expect(lost(replay(resumeRace({ unsafe: true, mainYields: 1 }), worker, quiet))).toEqual(['T3(worker)']);
    // the per-CPU form counts every thread's resumes: the same change moves it to another thread
    const before = lost(replay(resumeRace({ unsafe: true }), 's1;irq@cpu0:resume+1#4', quiet));
    const after = lost(replay(resumeRace({ unsafe: true, mainYields: 1 }), 's1;irq@cpu0:resume+1#4', quiet));
    expect(before).not.toEqual(after);
    expect(text).toBe('s1;irq@main:resume+1');
  });
});

describe('every run replays exactly', () => {
  test.prop([programArb, machineArb, fc.integer({ min: 0, max: 50 })], { numRuns: 30 })(
    'random programs under random interrupts, faults, revocations and choices: replay gives the same trace hash and outcome',
    (program, mc, i) => {
      const s = programScenario(program, mc);
      const strategy = random({ rate: 30, kinds: ['irq', 'pf', 'rv'], choices: true, faultRate: 0.2, seed: 7 });
      const p = strategy.plan(i) as NonNullable<ReturnType<typeof strategy.plan>>;
      const run = runScenario(s, { seed: p.seed, plan: p.plan, invariants: false });
      const again = replay(s, run.replay, { invariants: false });
      expect(again.traceHash).toBe(run.traceHash);
      expect(again.category).toBe(run.category);
      expect(again.replay).toBe(run.replay);
    },
  );
});

describe('rest points', () => {
  it('a compute the timer splits twice has two rest points before the next instruction, named r and r2', () => {
    const s: Scenario = {
      machine: { cpus: 1, seed: 1, jitter: 0 },
      setup(m: Machine): void {
        m.process({}, function* (): Code<void> { yield* step(); yield* compute(2_500_000); yield* step(); });
      },
    };
    const at = (text: string) => replay(s, text).fired[0]!.appStep;
    expect(at('s1;irq@main:3r')).toBeLessThan(at('s1;irq@main:3r2'));
    expect(at('s1;irq@main:3r2')).toBeLessThan(at('s1;irq@main:3'));
    expect(() => replay(s, 's1;irq@main:3r3')).toThrow(/main had 2 point\(s\) before instruction 3 where the rest of instruction 2 was still to run, not 3/);
  });
});
