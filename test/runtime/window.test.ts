/**
 * Race windows marked by thread code (runtime/window.ts): plain calls that cost no
 * instruction, nest per thread, count entries by name, and reject bad or reserved names
 * and unbalanced leaves with typed errors.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError, compute, enterWindow, inWindow, leaveWindow, Machine, OutsideThreadError, step } from '../../src/index';
import type { Code, Report } from '../../src/index';

function run(body: () => Code<unknown>): Report {
  const m = new Machine({ cpus: 1, seed: 1 });
  m.process({}, body);
  return m.run();
}

describe('race windows', () => {
  it('marking costs no simulated time and no instruction', () => {
    const plain = run(function* (): Code<void> { yield* compute(100); yield* step(); });
    const marked = run(function* (): Code<void> { enterWindow('w'); yield* compute(100); leaveWindow('w'); yield* inWindow('v', function* () { yield* step(); }); });
    expect(marked.endTime).toBe(plain.endTime);
    expect(marked.counts.instructions).toBe(plain.counts.instructions); // inWindow delegates with yield*: no frame of its own
    expect(marked.traceHash).toBe(plain.traceHash);
  });

  it('bad and reserved names, and a leave that is not the innermost window, are ArgumentErrors', () => {
    const err = (body: () => void): string => {
      const r = run(function* (): Code<string> {
        try {
          body();
          return 'none';
        } catch (e) {
          return e instanceof ArgumentError ? e.message : String(e);
        }
      });
      return r.processes[0]?.mainResult as string;
    };
    expect(err(() => enterWindow('1x'))).toMatch(/enterWindow: a window name is a letter or _ followed by letters/);
    expect(err(() => enterWindow('resume'))).toMatch(/'resume' names a built-in window or a dispatcher routine/);
    expect(err(() => enterWindow('user'))).toMatch(/'user' names a built-in window/);
    expect(err(() => { enterWindow('a'); enterWindow('b'); leaveWindow('a'); })).toMatch(/leaves 'a' but its innermost window is 'b'/);
    expect(err(() => leaveWindow('a'))).toMatch(/its innermost window is none/);
  });

  it('outside a thread they are OutsideThreadErrors', () => {
    expect(() => enterWindow('w')).toThrow(OutsideThreadError);
  });
});
