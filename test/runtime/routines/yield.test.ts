/**
 * The yield routine is a scheduling decision: a sleeper whose time has come is made ready
 * there, so threads that keep yielding to each other cannot starve it. Under N:1 and M:N on
 * kernel threads no upcall comes to fire the timers, and before this the sleeper never woke
 * while two others yielded (the run ended at the step limit). Under every mapping.
 */
import { describe, expect, it } from 'vitest';
import { join, Machine, now, sleep, spawn, yieldNow } from '../../../src/index';
import type { Code } from '../../../src/index';
import { MAPPINGS } from '../../mappings';

for (const [title, o] of MAPPINGS) {
  describe(`yield under ${title}`, () => {
    it('two threads yielding to each other do not starve a sleeper whose time has come', () => {
      let woke = false;
      let yields = 0;
      let late = -1;
      const r = new Machine({ cpus: 2, seed: 3, livelockSteps: 2_000_000 }).process({ ...o, vcpus: 1 }, function* main(): Code<number> {
        const s = yield* spawn(function* sleeper(): Code<void> {
          const t0 = yield* now();
          yield* sleep(10_000);
          late = (yield* now()) - t0 - 10_000;
          woke = true;
        });
        const spin = function* spinner(): Code<void> { while (!woke) { yields++; yield* yieldNow(); } };
        const a = yield* spawn(spin);
        const b = yield* spawn(spin);
        yield* join(s); yield* join(a); yield* join(b);
        return 1;
      }).run();
      expect(r.outcome.kind).toBe('completed');
      expect(woke).toBe(true);
      // The sleeper ran within a few microseconds of its time (a yield or two of each
      // spinner), not a quantum or the step limit later.
      expect(late).toBeGreaterThanOrEqual(0);
      expect(late).toBeLessThan(5_000);
      expect(yields).toBeGreaterThan(0);
    });
  });
}
