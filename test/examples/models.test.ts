/**
 * examples/models.ts: the three workloads where the mappings differ, each for its reason
 * (the demo's section 5b). Properties, not copied figures.
 */
import { describe, expect, it } from 'vitest';
import { blockedCalls, multiprogrammed, pageFaults } from '../../examples/models';
import type { ModelCase, ModelRow } from '../../examples/models';

const get = (c: ModelCase, label: string): ModelRow => c.rows.find((r) => r.label === label) as ModelRow;
const same = (c: ModelCase): boolean => c.rows.every((r) => JSON.stringify(r.result) === JSON.stringify(c.rows[0]?.result));

describe('examples/models', () => {
  it('multiprogramming: time-sharing preempts lock holders (spins), the allocator does not', () => {
    const c = multiprogrammed();
    expect(same(c)).toBe(true);
    const sa = get(c, 'M:N + activations');
    expect(sa.endTime).toBeLessThan(get(c, 'M:N').endTime);
    expect(sa.endTime).toBeLessThan(get(c, '1:1').endTime);
    expect(get(c, 'M:N').spins).toBeGreaterThan(10 * sa.spins);
  });

  it('blocked calls: a kernel thread per wait bounds the overlap; activations overlap them all', () => {
    const c = blockedCalls();
    expect(same(c)).toBe(true);
    const one = 1_000_000;
    expect(get(c, 'M:N + activations').endTime).toBeLessThan(2 * one);
    expect(get(c, 'M:N').endTime).toBeGreaterThan(7 * one); // 32 waits, 4 at a time
    expect(get(c, 'N:1').endTime).toBeGreaterThan(30 * one); // one at a time
    expect(get(c, '1:1').crossings).toBeGreaterThan(get(c, 'M:N + activations').crossings);
  });

  it('page faults: only N:1 stalls every thread', () => {
    const c = pageFaults();
    expect(same(c)).toBe(true);
    const n1 = get(c, 'N:1');
    for (const r of c.rows) if (r !== n1) expect(r.endTime).toBeLessThan(n1.endTime / 2);
  });
});
