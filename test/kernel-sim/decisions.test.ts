/**
 * Decision sources are validated (kernel-sim/decisions.ts invariant 3): an answer the
 * machine cannot use is a DecisionError out of run(), naming the point and the answer,
 * never a hang, a negative clock or a process fault.
 */
import { describe, expect, it } from 'vitest';
import { DecisionError, Machine, compute, join, read, sleep, spawn, yieldNow } from '../../src/index';
import type { Code } from '../../src/index';
import type { DecisionPoint, DecisionSource, InjectKind } from '../../kernel-sim/decisions';
import { defaultAnswer } from '../../kernel-sim/decisions';

/** Answers `bad` to the first point of kind `kind`, the default to every other. */
function liar(kind: DecisionPoint['kind'], bad: unknown): DecisionSource {
  return { decide: (p) => (p.kind === kind ? bad : p.kind === 'jitter' ? 0 : defaultAnswer(p)) as number };
}

/** Two processes of four threads each on 3 CPUs, the second arriving late: ties, jitter, disk queueing and an allocator victim all arise. */
function busyMachine(src: DecisionSource): Machine {
  const m = new Machine({ cpus: 3, seed: 3, maxSteps: 2_000_000 }, src);
  for (const name of ['a', 'b']) {
    m.process({ name, vcpus: 3, mapping: 'M:N', activations: true }, function* main(): Code<number> {
      if (name === 'b') yield* sleep(200_000); // a holds both CPUs by then: the allocator must pick a victim
      const hs = [];
      for (let i = 0; i < 4; i++) hs.push(yield* spawn(function* w(): Code<void> { yield* read(4096); yield* compute(500_000); yield* yieldNow(); }));
      for (const h of hs) yield* join(h);
      return 1;
    });
  }
  return m;
}

describe('decision answers', () => {
  const cases: [DecisionPoint['kind'], unknown][] = [
    ['jitter', Number.NaN], ['jitter', -1e9], ['jitter', Infinity], ['jitter', 1e12], ['jitter', 0.5],
    ['tie', -1], ['tie', '0'], ['tie', 2], ['io', 99], ['io', null], ['victim', 7], ['victim', Number.NaN],
  ];
  for (const [kind, bad] of cases) {
    it(`${String(bad)} to a '${kind}' decision is a DecisionError naming both`, () => {
      const m = busyMachine(liar(kind, bad));
      let err: unknown = null;
      try { m.run(); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(DecisionError);
      expect((err as DecisionError).code).toBe('ERR_DECISION');
      expect((err as Error).message).toContain(`'${kind}' decision`);
      expect((err as Error).message).toContain(typeof bad === 'string' ? JSON.stringify(bad) : String(bad));
    });
  }

  it('every liar above met its point (the machine really asks each kind)', () => {
    const asked = new Set<string>();
    const m = busyMachine({ decide: (p) => { asked.add(p.kind); return p.kind === 'jitter' ? 0 : defaultAnswer(p); } });
    expect(m.run().outcome.kind).toBe('completed');
    for (const kind of ['jitter', 'tie', 'io', 'victim']) expect(asked, kind).toContain(kind);
  });

  it.each([[7], [-1], [Number.NaN], ['1']])('beforeStep answering %s is a DecisionError', (bad) => {
    let n = 0;
    const src: DecisionSource = {
      decide: (p) => (p.kind === 'jitter' ? 0 : defaultAnswer(p)),
      beforeStep: () => (++n > 50 ? bad : 0) as InjectKind,
    };
    expect(() => busyMachine(src).run()).toThrow(DecisionError);
    expect(() => busyMachine({ ...src, beforeStep: () => { n = 0; return 0; } }).run()).not.toThrow();
  });
});

describe('pick decisions reach any source that asks for them', () => {
  /** Two workers that each record their name; the FIFO policy runs a, then b. */
  function order(src?: DecisionSource): string[] {
    const log: string[] = [];
    new Machine({ cpus: 1 }, src).process({}, function* main(): Code<void> {
      const a = yield* spawn(function* a(): Code<void> { log.push('a'); });
      const b = yield* spawn(function* b(): Code<void> { log.push('b'); });
      yield* join(a);
      yield* join(b);
    }).run();
    return log;
  }
  it('a source with picks: true answering the last ready thread reverses the order; the default keeps it', () => {
    const asked: DecisionPoint[] = [];
    const last: DecisionSource = {
      picks: true,
      decide: (p) => {
        if (p.kind === 'pick') asked.push(p);
        return p.kind === 'pick' ? p.threads.length - 1 : defaultAnswer(p);
      },
    };
    expect(order()).toEqual(['a', 'b']);
    expect(order(last)).toEqual(['b', 'a']);
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((p) => p.kind === 'pick' && p.threads.length >= 2)).toBe(true);
  });
});
