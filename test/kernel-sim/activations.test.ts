/**
 * The activation pool (kernel-sim/activations.ts): take / recycle / reuse, the bound
 * and its defined failure (null + a counter), lookup by id; and the kernel's
 * scheduler-activation invariant (Kernel.checkActivations: each live vCPU runs on its
 * own running activation and no other activation runs), which must panic on a
 * hand-broken state and stay silent on a healthy one.
 */
import { describe, expect, it } from 'vitest';
import { Activation, ActivationPool } from '../../kernel-sim/activations';
import { resolveCosts } from '../../kernel-sim/costs';
import { SeededDecisions } from '../../kernel-sim/decisions';
import { KernelPanic } from '../../kernel-sim/errors';
import { Kernel } from '../../kernel-sim/kernel';

describe('ActivationPool', () => {
  it('creates activations with consecutive ids from firstId, each running on the dcb it was taken for', () => {
    const pool = new ActivationPool(4, 100);
    const a = pool.take(0);
    const b = pool.take(3);
    expect(a?.id).toBe(100);
    expect(b?.id).toBe(101);
    expect(a?.state).toBe('running');
    expect(b?.dcb).toBe(3);
    expect(pool.all.length).toBe(2);
    expect(pool.reused).toBe(0);
    expect(pool.countRunning()).toBe(2);
  });

  it('recycles only spent activations; a recycled one is reused (newest first) instead of creating one', () => {
    const pool = new ActivationPool(8, 1);
    const [a, b, c] = [pool.take(0), pool.take(0), pool.take(0)] as Activation[];
    a!.state = 'spent';
    b!.state = 'spent';
    c!.state = 'blocked';
    // 3 is blocked (not spent), 99 and 0 belong to no one: ignored
    expect(pool.recycle([1, 2, 3, 99, 0])).toBe(2);
    expect(a!.state).toBe('cached');
    expect(a!.dcb).toBe(-1);
    expect(c!.state).toBe('blocked');
    // recycling the same id twice is refused the second time (it is cached, not spent)
    expect(pool.recycle([1])).toBe(0);
    const d = pool.take(5);
    const e = pool.take(6);
    expect([d?.id, e?.id]).toEqual([2, 1]);
    expect(d?.state).toBe('running');
    expect(d?.dcb).toBe(5);
    expect(pool.reused).toBe(2);
    expect(pool.all.length).toBe(3); // nothing new was created
    const f = pool.take(0);
    expect(f?.id).toBe(4); // cache empty again: a new one
    expect(pool.all.length).toBe(4);
  });

  it('an exhausted pool returns null, counts each refusal, and recovers once something is recycled', () => {
    const pool = new ActivationPool(2, 10);
    const a = pool.take(0);
    pool.take(0);
    expect(pool.take(0)).toBeNull();
    expect(pool.take(1)).toBeNull();
    expect(pool.exhausted).toBe(2);
    expect(pool.all.length).toBe(2);
    a!.state = 'spent';
    expect(pool.recycle([10])).toBe(1);
    const again = pool.take(1);
    expect(again).toBe(a);
    expect(pool.exhausted).toBe(2);
    expect(pool.take(1)).toBeNull();
    expect(pool.exhausted).toBe(3);
  });

  it('a pool of 0 refuses at once', () => {
    const pool = new ActivationPool(0, 1);
    expect(pool.take(0)).toBeNull();
    expect(pool.exhausted).toBe(1);
  });

  it('byId finds its own activations only', () => {
    const pool = new ActivationPool(3, 50);
    const a = pool.take(0);
    const b = pool.take(0);
    expect(pool.byId(50)).toBe(a);
    expect(pool.byId(51)).toBe(b);
    expect(pool.byId(52)).toBeUndefined(); // within the bound but not created yet
    expect(pool.byId(49)).toBeUndefined();
    expect(pool.byId(53)).toBeUndefined();
    expect(pool.byId(1)).toBeUndefined();
  });

  it('countRunning counts only running activations', () => {
    const pool = new ActivationPool(5, 1);
    const xs = [pool.take(0), pool.take(1), pool.take(2), pool.take(3)] as Activation[];
    xs[0]!.state = 'blocked';
    xs[1]!.state = 'spent';
    expect(pool.countRunning()).toBe(2);
    pool.recycle([2]);
    expect(pool.countRunning()).toBe(2);
  });
});

function bareKernel(checkInvariants: boolean | undefined, cpus = 2): Kernel {
  return new Kernel({
    cpus, costs: resolveCosts('modern', {}), decisions: new SeededDecisions(1), jitter: 0,
    unsafeNoCritCheck: false, onViolation: 'record', recordTrace: false,
    ...(checkInvariants === undefined ? {} : { checkInvariants }),
  });
}

describe('Kernel.enableActivations + checkActivations (bare kernel, seed 1)', () => {
  it('gives every vCPU its own running activation and publishes its id in the shared record', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    k.enableActivations(p, 5);
    const [d0, d1] = p.dcbs;
    expect(d0!.activation?.state).toBe('running');
    expect(d0!.activation?.dcb).toBe(d0!.index);
    expect(d1!.activation?.dcb).toBe(d1!.index);
    expect(d0!.activation).not.toBe(d1!.activation);
    expect(d0!.shared.activation).toBe(d0!.activation?.id);
    expect(d1!.shared.activation).toBe(d1!.activation?.id);
    expect(p.acts?.max).toBe(5);
    expect(() => k.checkActivations(p)).not.toThrow();
  });

  it('activation ids never collide between processes', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    const q = k.addProcess('q', 2, (i) => i);
    k.enableActivations(p, 3);
    k.enableActivations(q, 3);
    // exhaust both pools: every id ever created is distinct, and each pool finds only its own
    while (p.acts!.take(0) !== null) { /* fill */ }
    while (q.acts!.take(0) !== null) { /* fill */ }
    const ids = [...p.acts!.all, ...q.acts!.all].map((a) => a.id);
    expect(new Set(ids).size).toBe(6);
    for (const a of q.acts!.all) expect(p.acts!.byId(a.id)).toBeUndefined();
  });

  it('panics when the pool cannot cover the vCPUs', () => {
    const k = bareKernel(true);
    const p = k.addProcess('small', 2, (i) => i);
    expect(() => k.enableActivations(p, 1)).toThrow(KernelPanic);
  });

  it('panics when a vCPU\'s activation is not running (hand-set to blocked)', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    k.enableActivations(p, 4);
    p.dcbs[1]!.activation!.state = 'blocked';
    expect(() => k.checkActivations(p)).toThrow(KernelPanic);
    expect(() => k.checkActivations(p)).toThrow(/p\.v1 has no running activation of its own/);
  });

  it('panics when a vCPU runs on an activation of another vCPU', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    k.enableActivations(p, 4);
    p.dcbs[1]!.activation = p.dcbs[0]!.activation;
    expect(() => k.checkActivations(p)).toThrow(/p\.v1 has no running activation of its own/);
  });

  it('panics when a vCPU has no activation at all', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 1, () => 0);
    k.enableActivations(p, 4);
    p.dcbs[0]!.activation = null;
    expect(() => k.checkActivations(p)).toThrow(KernelPanic);
  });

  it('panics when more activations run than vCPUs are assigned', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    k.enableActivations(p, 4);
    p.acts!.take(0); // a stray running activation nobody runs on
    expect(() => k.checkActivations(p)).toThrow(KernelPanic);
    expect(() => k.checkActivations(p)).toThrow(/p: 3 running activations but 2 assigned vCPUs/);
  });

  it('ignores removed vCPUs (and the activations they held)', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 2, (i) => i);
    k.enableActivations(p, 4);
    k.unqueue(p.dcbs[1]!, 'removed');
    expect(() => k.checkActivations(p)).not.toThrow();
    p.dcbs[1]!.activation!.state = 'blocked';
    expect(() => k.checkActivations(p)).not.toThrow();
    p.dcbs[0]!.activation!.state = 'spent';
    expect(() => k.checkActivations(p)).toThrow(/p\.v0/);
  });

  it('checks nothing unless checkInvariants is on', () => {
    for (const flag of [false, undefined]) {
      const k = bareKernel(flag);
      const p = k.addProcess('p', 1, () => 0);
      k.enableActivations(p, 4);
      p.dcbs[0]!.activation!.state = 'blocked';
      p.acts!.take(0);
      expect(() => k.checkActivations(p)).not.toThrow();
    }
  });

  it('checks nothing for a process without activations', () => {
    const k = bareKernel(true);
    const p = k.addProcess('p', 1, () => 0);
    expect(p.acts).toBeNull();
    expect(() => k.checkActivations(p)).not.toThrow();
  });
});
