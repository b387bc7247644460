/**
 * The soak, short (bench/soak/soak.ts; `npm run soak` runs it for longer): random
 * programs on random schedules under random mappings, beside a misbehaving process, with
 * every step-level invariant checked.
 */
import { describe, expect, it } from 'vitest';
import { soakOnce } from '../../bench/soak/soak';

describe('soak', () => {
  const rs = Array.from({ length: 400 }, (_, i) => soakOnce(i));

  it('every run passes: invariants hold, the well-behaved processes finish right, the attacker ends named or stuck alone', () => {
    const bad = rs.filter((r) => !r.ok);
    expect(bad.map((r) => `run ${r.index}: ${r.why}`)).toEqual([]);
  });

  it('covers every mapping, both attack kinds and injected events', () => {
    expect(new Set(rs.flatMap((r) => r.variants)).size).toBe(6);
    expect(new Set(rs.map((r) => r.attack.kind))).toEqual(new Set(['field', 'opcode']));
    expect(rs.reduce((a, r) => a + r.injected, 0)).toBeGreaterThan(200);
  });

  it('a run replays from its index', () => {
    expect(soakOnce(37)).toEqual(soakOnce(37));
  });
});
