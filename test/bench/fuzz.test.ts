/**
 * The isolation fuzzer, short (bench/fuzz/harness.ts; `npm run fuzz` runs it long): an
 * attacker process writes random values into every field of its own dispatcher record,
 * or executes bare instructions with random operands, at random instructions, beside a
 * victim process on the same machine, under every mapping.
 */
import { describe, expect, it } from 'vitest';
import { FIELDS, fuzzOnce, summarize, VARIANTS } from '../../bench/fuzz/harness';
import type { FuzzResult } from '../../bench/fuzz/harness';

const RUNS = 720;

describe('isolation fuzz', () => {
  const rs: FuzzResult[] = [];
  for (let i = 1; i <= RUNS; i++) rs.push(fuzzOnce(i, i));
  const s = summarize(rs);
  const show = (x: readonly FuzzResult[]): string => x.slice(0, 5).map((r) => `seed ${r.seed} ${r.variant} ${JSON.stringify(r.attack)}: ${r.outcome} ${r.message}`).join('\n');

  it('run() never throws', () => {
    expect(s.threw, show(rs.filter((r) => r.threw !== null))).toBe(0);
  });

  it('the victim always finishes with the right result', () => {
    expect(s.victimWrong, show(rs.filter((r) => !r.victimOk))).toBe(0);
  });

  it("every fault of the attacker names the field or the instruction it was given", () => {
    expect(s.attackerFaults).toBeGreaterThan(RUNS / 3);
    expect(s.faultsNamed, show(rs.filter((r) => r.attackerEnd === 'fault' && !r.named))).toBe(s.attackerFaults);
  });

  it('the attacks cover every field, both attack kinds and every mapping, and most land', () => {
    const fields = new Set(rs.flatMap((r) => (r.attack.kind === 'field' && r.landed ? [r.attack.field] : [])));
    expect([...fields].sort()).toEqual([...FIELDS].sort());
    expect(rs.some((r) => r.attack.kind === 'opcode' && r.landed)).toBe(true);
    expect(new Set(rs.map((r) => r.variant)).size).toBe(VARIANTS.length ** 2); // every attacker mapping beside every victim mapping
    expect(s.landed).toBeGreaterThan(RUNS * 0.6);
  });

  // A bare TRAP whose routine operand was null once passed the TRAP's cache of the last
  // routine it checked (the cache starts at null) and crashed the attacker's dispatcher.
  it.each([1235, 6092])('seed %i (a bare TRAP on null) is refused naming the instruction', (seed) => {
    const r = fuzzOnce(seed, seed);
    expect(r.threw).toBeNull();
    expect(r.victimOk).toBe(true);
    expect(r.attackerEnd === 'fault' ? r.named : true).toBe(true);
  });

  it('a seed replays: the same attack, end and instruction count', () => {
    for (const seed of [3, 77, 301]) {
      const a = fuzzOnce(seed, seed);
      const b = fuzzOnce(seed, seed);
      expect({ ...b, threw: null }).toEqual({ ...a, threw: null });
    }
  });

  it('with trace recording on, the attacker cannot crash the recorder: run() never throws, the victim finishes, the run is the same', () => {
    for (let i = 1; i <= 120; i++) {
      const plain = fuzzOnce(i, i);
      const rec = fuzzOnce(i, i, { record: { limit: 1_000 } });
      expect(rec.threw, `seed ${i}`).toBeNull();
      expect({ ...rec, threw: null }).toEqual({ ...plain, threw: null });
    }
  });
});
