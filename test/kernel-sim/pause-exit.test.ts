/**
 * Pause-loop exit (fair scheduling, kernel half): a CPU that fails spinLimit acquires in
 * a row is preempted at once, so a lock holder sharing its CPU runs instead of the
 * spinner burning the rest of its quantum. Two kernel threads on one CPU, on a bare
 * kernel: the holder takes a word and computes across a tick; the spinner wants it.
 */
import { describe, expect, it } from 'vitest';
import { Cell, OP_STORE, OP_TAS, RUNNING } from '../../kernel-sim/abi';
import type { Frame } from '../../kernel-sim/abi';
import { compute, genContext, makeKernel, routine, run, smContext, stackOf } from './harness';

function tas(c: Cell): number {
  RUNNING.cpu!.a0 = c;
  return OP_TAS;
}
function release(c: Cell): number {
  RUNNING.cpu!.a0 = c;
  RUNNING.cpu!.a1 = 0;
  return OP_STORE;
}

function pair(spinLimit: number) {
  const k = makeKernel({ costs: { quantum: 20_000 } });
  k.spinLimit = spinLimit;
  const word = new Cell(0, 'w');
  let spins = 0;
  const p = k.addProcess('p', 2, () => 0);
  const bodies: Frame[] = [
    (function* holder(): Frame {
      while ((yield tas(word)) !== 0) { /* first come */ }
      yield compute(30_000); // spans a tick: preempted while holding the word
      yield release(word);
      return undefined;
    })(),
    (function* spinner(): Frame {
      while ((yield tas(word)) !== 0) spins++;
      yield release(word);
      return undefined;
    })(),
  ];
  p.dcbs.forEach((d, i) => {
    k.makeKernelThread(d); // resumed verbatim, never upcalled
    const st = stackOf(k, bodies[i] as Frame, i === 0 ? 'holder' : 'spinner');
    d.shared.disabledArea = smContext(routine(k, `boot${i}`, 1, (x) => x.jump(genContext(st))));
  });
  k.start(p);
  run(k, 2_000_000);
  return { k, spins: () => spins };
}

describe('pause-loop exit', () => {
  it('off: the spinner spins until its quantum ends', () => {
    const { k, spins } = pair(Infinity);
    expect(k.pauseExits).toBe(0);
    expect(spins()).toBeGreaterThan(500);
  });

  it('on: after spinLimit failed acquires the kernel preempts the spinner and the holder runs', () => {
    const { k, spins } = pair(8);
    expect(k.pauseExits).toBeGreaterThan(0);
    expect(spins()).toBeLessThan(100);
    expect((k.trace.events ?? []).some((e) => e.kind === 'pause-exit')).toBe(true);
  });
});
