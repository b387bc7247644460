/**
 * The misuse table (README, "Errors"): every public entry point rejects bad input with a
 * typed error whose class, `code` and message name what is wrong, and (inside a thread)
 * the thread and the time. One test per row; a last test checks the README's table
 * lists exactly the codes tested here, and every exported error class.
 */
import { readFileSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as U from '../../src/index';
import type { Code, ProcessOptions, Report } from '../../src/index';
import * as T from '../../src/testing/index';
import { KernelPanic } from '../../kernel-sim/errors';
import { makeKernel, oneProcess } from '../kernel-sim/harness';
import { crashOf } from '../faults';

/** What a thread of a one-process machine threw (the cause of its crash). */
function thrownIn(body: () => Code<unknown>, o: ProcessOptions = {}): unknown {
  const m = new U.Machine({ cpus: 2, seed: 1 });
  m.process({ vcpus: 1, ...o }, body);
  return crashOf(m.run());
}

function thrownBy(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}

function twoProcesses(shared: U.Mutex | null, stolen: { t: U.Thread | null }): Report {
  const m = new U.Machine({ cpus: 2, seed: 1 });
  m.process({ name: 'a', vcpus: 1 }, function* a(): Code<void> {
    if (shared !== null) { yield* shared.lock(); yield* shared.unlock(); }
    stolen.t = yield* U.spawn(function* child(): Code<number> { yield* U.compute(50_000); return 7; });
    yield* U.join(stolen.t);
  });
  m.process({ name: 'b', vcpus: 1 }, function* b(): Code<void> {
    yield* U.compute(10_000);
    if (shared !== null) yield* shared.lock();
    else yield* U.join(stolen.t as U.Thread);
  });
  return m.run();
}

type Row = readonly [code: string, cls: abstract new (...a: never[]) => Error, what: string, raise: () => unknown, message: RegExp];

const ROWS: readonly Row[] = [
  ['ERR_CONFIG', U.ConfigError, 'Machine option out of range', () => thrownBy(() => new U.Machine({ cpus: 0 })), /^Machine\.cpus: must be between 1 and 256, got 0$/],
  ['ERR_CONFIG', U.ConfigError, 'unknown option', () => thrownBy(() => new U.Machine({ cpu: 2 } as never)), /unknown option 'cpu' \(known: cpus,/],
  ['ERR_CONFIG', U.ConfigError, 'process option', () => thrownBy(() => new U.Machine({ cpus: 2 }).process({ mapping: 'x' as never }, function* () { /* */ })), /process 'p0'\.mapping: unknown mapping 'x'/],
  ['ERR_CONFIG', U.ConfigError, 'run twice', () => thrownBy(() => { const m = new U.Machine(); m.process({}, function* () { /* */ }); m.run(); m.run(); }), /Machine\.run: a machine runs once/],
  ['ERR_DECISION', U.DecisionError, 'decision source answers NaN', () => thrownBy(() => {
    const m = new U.Machine({ cpus: 1, seed: 1 }, { decide: (p) => (p.kind === 'jitter' ? Number.NaN : 0) });
    m.process({}, function* () { yield* U.compute(100_000); });
    m.run();
  }), /answered NaN to a 'jitter' decision .* must be an integer in \[0, \d+\]/],
  ['ERR_REPLAY', T.ReplayError, 'replay string without a seed', () => thrownBy(() => T.replay({ setup: (m) => { m.process({}, function* () { /* */ }); } }, 'irq@main:user+0')), /^replay token 1 'irq@main:user\+0': a replay string starts with the seed/],
  ['ERR_ARGUMENT', U.ArgumentError, 'compute(-1)', () => thrownIn(function* () { yield* U.compute(-1); }), /^compute: duration must be a non-negative integer number of ns, got -1 \[in T1\(main\) on cpu0 at t=\d+ns\]$/],
  ['ERR_ARGUMENT', U.ArgumentError, 'sleep("5")', () => thrownIn(function* () { yield* U.sleep('5' as never); }), /sleep: duration .* got "5" \[in T1\(main\)/],
  ['ERR_ARGUMENT', U.ArgumentError, 'read(1.5)', () => thrownIn(function* () { yield* U.read(1.5); }), /read: bytes must be a non-negative integer, got 1\.5/],
  ['ERR_ARGUMENT', U.ArgumentError, 'spawn of a plain function', () => thrownIn(function* () { yield* U.spawn((() => 1) as never); }), /spawn: .* must be a generator function \(function\*\), it returned number/],
  ['ERR_ARGUMENT', U.ArgumentError, 'new Semaphore(-1)', () => thrownIn(function* () { new U.Semaphore(-1); }), /Semaphore: initial value must be a non-negative integer, got -1/],
  ['ERR_ARGUMENT', U.ArgumentError, 'new Channel(1.5)', () => thrownIn(function* () { new U.Channel(1.5); }), /Channel: capacity must be an integer >= 0, got 1\.5/],
  ['ERR_ARGUMENT', U.ArgumentError, 'new Barrier(0)', () => thrownIn(function* () { new U.Barrier(0); }), /Barrier: parties must be an integer >= 1, got 0/],
  ['ERR_ARGUMENT', U.ArgumentError, 'Cond.wait without a Mutex', () => thrownIn(function* () { yield* new U.Cond('c').wait({} as never); }), /^Cond\.wait: c needs the Mutex that guards it, got object \[in T1/],
  ['ERR_ARGUMENT', U.ArgumentError, 'preemptVcpu out of range', () => thrownIn(function* () { yield* U.preemptVcpu(9); }), /preemptVcpu: vCPU must be an integer in 0\.\.0, got 9/],
  ['ERR_ARGUMENT', U.ArgumentError, 'bad window name', () => thrownIn(function* () { U.enterWindow('1bad'); }), /enterWindow: a window name is/],
  ['ERR_OUTSIDE_THREAD', U.OutsideThreadError, 'thread operation outside a thread', () => thrownBy(() => U.compute(5).next()), /^compute: called outside a green thread/],
  ['ERR_JOIN_SELF', U.JoinSelfError, 'join(self())', () => thrownIn(function* () { yield* U.join(yield* U.self()); }), /join: T1\(main\) tried to join itself/],
  ['ERR_JOIN_TWICE', U.JoinTwiceError, 'join twice', () => thrownIn(function* () { const t = yield* U.spawn(function* () { /* */ }); yield* U.join(t); yield* U.join(t); }), /join: T1\(main\): T2\(\w*\) is already joined by T1\(main\)/],
  ['ERR_JOIN_DETACHED', U.JoinDetachedError, 'join of a detached thread', () => thrownIn(function* () { const t = yield* U.spawn(function* () { /* */ }); yield* U.detach(t); yield* U.join(t); }), /join: T1\(main\): T2\(\w*\) is detached/],
  ['ERR_DETACH', U.DetachError, 'detach twice', () => thrownIn(function* () { const t = yield* U.spawn(function* () { /* */ }); yield* U.detach(t); yield* U.detach(t); }), /detach: T1\(main\): T2\(\w*\) is already detached/],
  ['ERR_FOREIGN_THREAD', U.ForeignThreadError, 'join of a non-thread', () => thrownIn(function* () { yield* U.join(42 as never); }), /join: T1\(main\): 42 is not a thread of this process/],
  ['ERR_FOREIGN_THREAD', U.ForeignThreadError, "join of another process's thread", () => {
    const r = twoProcesses(null, { t: null });
    const b = r.processes.find((p) => p.name === 'b');
    return b?.end.kind === 'fault' ? (b.end.error as { cause?: unknown }).cause : null;
  }, /^join: b\/T1\(main\): a\/T2\(child\) \(a thread of process 'a'\) is not a thread of this process \[in b\/T1\(main\)/],
  ['ERR_FOREIGN_OBJECT', U.ForeignObjectError, 'a Mutex used by two processes', () => {
    const r = twoProcesses(new U.Mutex('shared'), { t: null });
    const b = r.processes.find((p) => p.name === 'b');
    return b?.end.kind === 'fault' ? (b.end.error as { cause?: unknown }).cause : null;
  }, /^Mutex\.lock: b\/T1\(main\) of process 'b' used shared, which belongs to process 'a' \[in b\/T1\(main\)/],
  ['ERR_NOT_OWNER', U.NotOwnerError, 'unlock of a mutex not held', () => thrownIn(function* () { yield* new U.Mutex('m').unlock(); }), /Mutex\.unlock: T1\(main\) does not hold/],
  ['ERR_NOT_OWNER', U.NotOwnerError, 'Cond.wait without holding the mutex', () => thrownIn(function* () { yield* new U.Cond().wait(new U.Mutex()); }), /^Cond\.wait on cond#\d+: T1\(main\) does not hold mutex#\d+ \(it is unlocked\); wait needs the mutex held \[in T1\(main\)/],
  ['ERR_RECURSIVE_LOCK', U.RecursiveLockError, 'lock of a held mutex', () => thrownIn(function* () { const m = new U.Mutex(); yield* m.lock(); yield* m.lock(); }), /Mutex\.lock: T1\(main\) already holds mutex#\d+/],
  ['ERR_ACTIVATIONS_EXHAUSTED', U.ActivationsExhaustedError, 'more blocked reads than activations', () => thrownIn(function* () {
    const r = function* (): Code<void> { yield* U.read(64); };
    const a = yield* U.spawn(r);
    const b = yield* U.spawn(r);
    yield* U.join(a);
    yield* U.join(b);
  }, { maxActivations: 2 }), /read: T\d\(\w*\): no activation left to block on \(raise the process's maxActivations\)/],
  ['ERR_ILLEGAL_INSTRUCTION', U.IllegalInstructionError, 'yield instead of yield*', () => thrownIn(function* () { yield U.compute(5) as never; }), /T1\(main\) yielded an object .* not yield compute\(10\)/],
  ['ERR_THREAD_CRASH', U.ThreadCrashError, 'an uncaught error in a thread', () => {
    const m = new U.Machine({ cpus: 1 });
    m.process({ name: 'p' }, function* () { yield* U.compute(1); throw new Error('boom'); });
    const r = m.run();
    return r.outcome.kind === 'fault' ? r.outcome.error : null;
  }, /T1\(main\) of process 'p' died of Error: boom/],
  ['ERR_PROCESS_FAULT', U.ProcessFault, 'a refused field of the dispatcher record', () => {
    const m = new U.Machine({ cpus: 1 });
    m.process({ name: 'p' }, function* () {
      yield* U.compute(1);
      (m.internals().kernel.dcbs[0] as { shared: { wakeup: unknown } }).shared.wakeup = 'soon';
      yield* U.sleep(10);
    });
    const r = m.run();
    return r.outcome.kind === 'fault' ? r.outcome.error : null;
  }, /p\.v0\.wakeup = "soon" refused by the kernel/],
  ['ERR_KERNEL_PANIC', KernelPanic, 'the kernel broke its own rule (a bug in upcall)', () => thrownBy(() => {
    const k = makeKernel();
    k.start(oneProcess(k, () => undefined));
  }), /^kernel.start: p.v0 has no initial dis/],
];

describe('the misuse table: one row each', () => {
  for (const [code, cls, what, raise, message] of ROWS) {
    it(`${code}: ${what}`, () => {
      const e = raise();
      expect(e).toBeInstanceOf(cls);
      expect(e).toBeInstanceOf(U.UpcallError);
      expect((e as U.UpcallError).code).toBe(code);
      expect((e as Error).message).toMatch(message);
    });
  }
});

describe('the README lists every code', () => {
  const readme = readFileSync(joinPath(__dirname, '../../README.md'), 'utf8');
  const listed = new Set([...readme.matchAll(/^\| `(ERR_[A-Z_]+)` \|/gm)].map((x) => x[1] as string));

  it('every code tested here has a README row, and every README row a test here (or a named test elsewhere)', () => {
    const tested = new Set(ROWS.map((r) => r[0]));
    // Codes raised only by the simulator's own checks, tested where those checks live.
    const elsewhere: Record<string, string> = {
      ERR_CONTEXT_CORRUPTION: 'test/kernel-sim/kernel.test.ts (a context restored twice)',
      ERR_RUNTIME_PANIC: 'test/runtime/events.test.ts (an unblocked that overtakes its blocked)',
      ERR_PLAN: 'test/src/testing/explore.test.ts (a plan that lands events forever)',
      ERR_UPCALL: 'the base class: never raised itself',
      ERR_THREAD_API: 'the base class of the thread-API errors: never raised itself',
    };
    for (const c of tested) expect(listed, c).toContain(c);
    for (const c of listed) expect(tested.has(c) || c in elsewhere, `${c} has no test`).toBe(true);
  });

  it('every exported error class has its code in the table', () => {
    const values: unknown[] = [...Object.values(U), ...Object.values(T)];
    const classes = values.filter((v): v is new (m: string) => U.UpcallError => typeof v === 'function' && (v as { prototype?: unknown }).prototype instanceof Error);
    for (const C of classes) {
      const code = new C('x').code;
      expect(code, C.name).toMatch(/^ERR_/);
      expect(listed, `${C.name} (${String(code)})`).toContain(code);
    }
  });
});
