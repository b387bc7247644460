/**
 * Per-machine state: two machines advanced alternately in one process run exactly as
 * each alone; a Machine run inside a green thread nests; a dropped machine is garbage
 * collected; operands live on the CPU and are checked, so a bare `yield <opcode>` never
 * executes with operands another thread or machine left behind.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { compute, IllegalInstructionError, join, Machine, Mutex, read, spawn, yieldNow } from '../../src/index';
import type { Code, ProcessOptions, Report } from '../../src/index';
import { crashMessage, crashOf } from '../faults';

function work(tag: number): () => Code<number> {
  return function* main(): Code<number> {
    const m = new Mutex('m');
    let n = 0;
    const ts = [];
    for (let i = 0; i < 4; i++) {
      ts.push(yield* spawn(function* w(): Code<void> {
        for (let j = 0; j < 5; j++) {
          yield* compute(1_000 + 100 * tag);
          yield* m.lock();
          n++;
          yield* m.unlock();
          if (j % 2 === 0) yield* read(512);
          yield* yieldNow();
        }
      }));
    }
    for (const t of ts) yield* join(t);
    return n * tag;
  };
}

function build(o: ProcessOptions, tag: number): Machine {
  const m = new Machine({ cpus: 2, seed: tag, costs: { quantum: 7_000 } });
  m.process(o, work(tag));
  return m;
}

const key = (r: Report): string => `${r.traceHash} ${r.endTime} ${JSON.stringify(r.processes[0]?.mainResult)} ${r.counts.instructions}`;

describe('per-machine state', () => {
  const configs: ProcessOptions[] = [{ vcpus: 2 }, { vcpus: 2, criticalSections: 'recover' }, { vcpus: 2, activations: false }, { mapping: '1:1', vcpus: 2 }];

  it('two machines advanced alternately give the same runs as each alone', () => {
    for (const a of configs) {
      for (const b of configs) {
        const aloneA = key(build(a, 3).run());
        const aloneB = key(build(b, 5).run());
        const ma = build(a, 3);
        const mb = build(b, 5);
        let doneA = false;
        let doneB = false;
        for (let i = 0; !(doneA && doneB); i++) {
          if (!doneA) doneA = ma.advance(1 + (i % 3));
          if (!doneB) doneB = mb.advance(2);
        }
        expect(key(ma.run()), JSON.stringify(a)).toBe(aloneA);
        expect(key(mb.run()), JSON.stringify(b)).toBe(aloneB);
      }
    }
  });

  it('a Machine run inside a green thread nests, and the outer thread goes on', () => {
    const inner = key(build({ vcpus: 2 }, 4).run());
    const outer = new Machine({ cpus: 2, seed: 1 });
    outer.process({ vcpus: 2 }, function* (): Code<string> {
      yield* compute(1_000);
      const r = build({ vcpus: 2 }, 4).run(); // a whole simulation between two instructions
      yield* compute(1_000);
      yield* yieldNow();
      return key(r);
    });
    const r = outer.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toBe(inner);
  });

  it('a dropped machine is garbage-collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const refs: WeakRef<object>[] = [];
    (() => {
      const m = build({ vcpus: 2 }, 2);
      const r = m.run();
      refs.push(new WeakRef(m), new WeakRef(r));
    })();
    for (let i = 0; i < 5 && refs.some((x) => x.deref() !== undefined); i++) {
      await new Promise((res) => setTimeout(res, 0));
      gc();
    }
    expect(refs.map((x) => x.deref() === undefined)).toEqual([true, true]);
  });

  it('a bare `yield <opcode>` finds no operands: a bad-operand trap, never another thread\'s values', () => {
    const m = new Machine({ cpus: 1, seed: 1 });
    m.process({ vcpus: 1 }, function* (): Code<void> {
      yield* compute(5); // leaves nothing behind: registers are cleared after every instruction
      yield 1; // OP_COMPUTE with no operand
    });
    expect(crashOf(m.run())).toBeInstanceOf(IllegalInstructionError);
    const m2 = new Machine({ cpus: 1, seed: 1 });
    m2.process({ vcpus: 1 }, function* (): Code<void> { yield 1; });
    expect(crashMessage(m2.run())).toMatch(/bad-operand.*COMPUTE/);
  });

  it('advance() rejects a bad budget with a ConfigError', () => {
    const m = build({ vcpus: 2 }, 1);
    expect(() => m.advance(0)).toThrow(/Machine\.advance: instructions must be a number >= 1/);
  });
});
