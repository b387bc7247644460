/**
 * drainEventsLocked (runtime/events.ts), unit by unit on a hand-built Uls/Vcpu with a
 * fake CpuView: `blocked` parks the current thread under its activation, `unblocked`
 * brings it back (context, result, recycling, a wake claim), `preempted` requeues the
 * current thread of its vCPU (this one, or a revoked one), vcpuAdded / vcpuRevoked
 * update the user's view of its processors, wake / timer hints change nothing; the
 * FIFO order of one batch is honoured and an
 * `unblocked` that overtakes its `blocked` is a RuntimePanic. Then the same rules seen
 * from outside, through a Machine (the report's thread states and trace).
 */
import { PRESETS } from '../../kernel-sim/presets';
import { describe, expect, it } from 'vitest';
import { DispatcherShared, REQUEST_VCPU, SYS_WAKE } from '../../kernel-sim/abi';
import type { Context, CpuView, Frame, GenContext, UpcallEvent } from '../../kernel-sim/abi';
import { resolveCosts } from '../../kernel-sim/costs';
import { RuntimePanic } from '../../runtime/errors';
import { drainEventsLocked } from '../../runtime/events';
import { FifoPolicy } from '../../runtime/policy/fifo';
import { blockDisabled, exitDisabled, sleepDisabled, yieldDisabled } from '../../runtime/routines/index';
import type { Tcb } from '../../runtime/tcb';
import { Uls, Vcpu } from '../../runtime/uls';
import type { RoutineSet } from '../../runtime/uls';
import { compute, join, Machine, read, spawn } from '../../src/index';
import type { Code } from '../../src/index';

const MODERN_COSTS = PRESETS['modern']!.costs;

interface World {
  readonly uls: Uls;
  readonly v: Vcpu;
  readonly others: Vcpu[];
  readonly x: CpuView;
  readonly reports: { layer: number; what: string }[];
  readonly traces: { kind: string; a: number; b: number }[];
}

/** The routine set of the activations mapping (as runtime/attach.ts builds it). */
const ULS_ROUTINES: RoutineSet = { yield: yieldDisabled, block: blockDisabled, sleep: sleepDisabled, exit: exitDisabled, notify: SYS_WAKE, recoverDone: yieldDisabled };

function world(vcpus = 1, now = 1_000): World {
  const uls = new Uls(0, 'p', new FifoPolicy(), () => idle(), 'activations', ULS_ROUTINES);
  const all: Vcpu[] = [];
  for (let i = 0; i < vcpus; i++) {
    const v = new Vcpu(i, new DispatcherShared(0, i, `p.v${i}`), uls);
    v.assigned = true; // as after the kernel's vcpuAdded
    uls.vcpus.push(v);
    all.push(v);
  }
  const v = all[0]!;
  const reports: { layer: number; what: string }[] = [];
  const traces: { kind: string; a: number; b: number }[] = [];
  const x: CpuView = {
    index: 0, now, costs: resolveCosts(MODERN_COSTS, {}), disp: v.shared,
    report: (layer, what) => { reports.push({ layer, what }); },
    trace: (kind, a, b) => { traces.push({ kind, a, b }); },
    symbolize: (pc) => `pc${pc}`,
    contextPc: (c) => (c.kind === 'gen' ? c.pc : 0),
  };
  return { uls, v, others: all.slice(1), x, reports, traces };
}

function* idle(): Frame {
  yield 0;
  return undefined;
}

/** A thread that has run (its first context was resumed) and is current on v. */
function running(w: World, name: string): Tcb {
  const t = w.uls.createThread(name, idle(), 0);
  (t.saved as GenContext).used = true;
  t.transition('ready', 'running', 10);
  w.v.current = t;
  w.uls.busy++; // as spawn counted it
  return t;
}

/** A later continuation of t, as the kernel would capture it. */
function contextOf(t: Tcb, id: number): GenContext {
  return { kind: 'gen', id, stack: t.stack, seq: t.stack.seq, value: undefined, throwing: false, pendingOp: -1, pendingArg: undefined, pc: 0x100, used: false };
}

function post(w: World, ...evs: UpcallEvent[]): void {
  for (const e of evs) {
    w.v.shared.events.push(e);
    w.v.shared.delivered++;
  }
}

describe('drainEventsLocked: blocked / unblocked', () => {
  it('blocked parks the current thread in inKernel under its activation and clears current', () => {
    const w = world();
    const t = running(w, 'reader');
    post(w, { kind: 'blocked', activation: 7 });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r).toEqual({ wake: -1, handled: 2 }); // the event, and the busy count it lowers
    expect(w.uls.busy).toBe(0);
    expect(t.state).toBe('blocked');
    expect(t.reason).toEqual({ kind: 'kernel', activation: 7 });
    expect(t.runTime).toBe(1_000 - 10);
    expect(w.uls.inKernel.get(7)).toBe(t);
    expect(w.v.current).toBeNull();
    expect(t.queued).toBe(false);
    expect(w.traces).toEqual([{ kind: 'act-blocked', a: t.id, b: 7 }]);
  });

  it('unblocked stores the returned context, hands over the result, queues the activation for recycling, makes the thread ready', () => {
    const w = world();
    const t = running(w, 'reader');
    post(w, { kind: 'blocked', activation: 7 });
    drainEventsLocked(w.x, w.v, true);
    const ctx = contextOf(t, 42);
    post(w, { kind: 'unblocked', activation: 7, context: ctx, result: { kind: 'ok', value: 512 } });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r).toEqual({ wake: -1, handled: 2 }); // the event, and the busy count it raises
    expect(w.uls.busy).toBe(1);
    expect(t.saved).toBe(ctx);
    expect(t.wakeValue).toEqual({ kind: 'ok', value: 512 });
    expect(t.state).toBe('ready');
    expect(t.reason).toBeNull();
    expect(w.uls.inKernel.size).toBe(0);
    expect(w.v.recycle).toEqual([7]);
    expect(w.uls.policy.pickNext(0)).toBe(t);
    expect(w.reports).toEqual([]);
    expect(w.traces.map((e) => e.kind)).toEqual(['act-blocked', 'act-unblocked']);
    expect(w.traces[1]).toEqual({ kind: 'act-unblocked', a: t.id, b: 7 });
  });

  it('blocked then unblocked of the same activation in ONE batch are handled in FIFO order', () => {
    const w = world();
    const t = running(w, 'reader');
    post(w, { kind: 'blocked', activation: 3 }, { kind: 'unblocked', activation: 3, context: contextOf(t, 9), result: undefined });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r.handled).toBe(4); // two events, two busy-count updates
    expect(w.uls.busy).toBe(1);
    expect(t.state).toBe('ready');
    expect(w.v.recycle).toEqual([3]);
  });

  it('an unblocked that overtakes its blocked is a RuntimePanic', () => {
    const w = world();
    const t = running(w, 'reader');
    post(w, { kind: 'unblocked', activation: 3, context: contextOf(t, 9), result: undefined }, { kind: 'blocked', activation: 3 });
    expect(() => drainEventsLocked(w.x, w.v, true)).toThrow(RuntimePanic);
    const w2 = world();
    running(w2, 'reader');
    post(w2, { kind: 'unblocked', activation: 5, context: contextOf(w2.v.current as Tcb, 1), result: undefined });
    expect(() => drainEventsLocked(w2.x, w2.v, true)).toThrow(/unblocked\(5\) before its blocked/);
  });

  it('blocked with no current thread is a RuntimePanic', () => {
    const w = world();
    post(w, { kind: 'blocked', activation: 1 });
    expect(() => drainEventsLocked(w.x, w.v, true)).toThrow(/blocked event on vCPU 0 with no current thread/);
  });

  it('several threads in the kernel come back in whatever order their completions arrive', () => {
    const w = world();
    const a = running(w, 'a');
    post(w, { kind: 'blocked', activation: 1 });
    drainEventsLocked(w.x, w.v, true);
    const b = running(w, 'b');
    post(w, { kind: 'blocked', activation: 2 });
    drainEventsLocked(w.x, w.v, true);
    expect(w.uls.inKernel.size).toBe(2);
    post(w,
      { kind: 'unblocked', activation: 2, context: contextOf(b, 20), result: 'B' },
      { kind: 'unblocked', activation: 1, context: contextOf(a, 10), result: 'A' });
    drainEventsLocked(w.x, w.v, true);
    expect([a.wakeValue, b.wakeValue]).toEqual(['A', 'B']);
    expect(w.v.recycle).toEqual([2, 1]);
    expect(w.uls.policy.pickNext(0)).toBe(b);
    expect(w.uls.policy.pickNext(0)).toBe(a);
  });

  it('an unblocked carrying a context of another thread is reported (detection layer 2)', () => {
    const w = world();
    const t = running(w, 'a');
    const other = w.uls.createThread('other', idle(), 0);
    post(w, { kind: 'blocked', activation: 4 });
    drainEventsLocked(w.x, w.v, true);
    post(w, { kind: 'unblocked', activation: 4, context: contextOf(other, 99), result: undefined });
    drainEventsLocked(w.x, w.v, true);
    expect(w.reports.length).toBe(1);
    expect(w.reports[0]?.layer).toBe(2);
    expect(w.reports[0]?.what).toContain(`TCB of ${t.label} receives a context of another stack`);
  });
});

describe('drainEventsLocked: wake claims', () => {
  it('an unblocked thread claims one idle vCPU to wake when allowed, and only one per drain', () => {
    const w = world(3);
    const [v1, v2] = w.others as [Vcpu, Vcpu];
    v1.idle = true;
    v2.idle = true;
    const a = running(w, 'a');
    post(w, { kind: 'blocked', activation: 1 });
    drainEventsLocked(w.x, w.v, true);
    const b = running(w, 'b');
    post(w, { kind: 'blocked', activation: 2 });
    drainEventsLocked(w.x, w.v, true);
    post(w,
      { kind: 'unblocked', activation: 1, context: contextOf(a, 1), result: undefined },
      { kind: 'unblocked', activation: 2, context: contextOf(b, 2), result: undefined });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r.wake).toBe(1);
    expect(v1.idle).toBe(false);
    expect(v2.idle).toBe(true); // one SYS_WAKE per pass
  });

  it('an idle vCPU without a processor is not claimed: the drain asks the kernel for one instead (once)', () => {
    const w = world(2);
    const v1 = w.others[0]!;
    v1.idle = true;
    v1.assigned = false;
    const a = running(w, 'a');
    post(w, { kind: 'blocked', activation: 1 });
    drainEventsLocked(w.x, w.v, true);
    running(w, 'b'); // now busy on the one assigned vCPU: a coming back makes two busy threads for one processor
    post(w, { kind: 'unblocked', activation: 1, context: contextOf(a, 1), result: undefined });
    expect(drainEventsLocked(w.x, w.v, true).wake).toBe(REQUEST_VCPU);
    expect(v1.idle).toBe(true);
    expect(w.uls.outstanding).toBe(1);
  });

  it('asks for no vCPU while the busy threads fit the processors it has (the busy count, not the queue length)', () => {
    const w = world(2);
    w.others[0]!.assigned = false;
    const a = running(w, 'a');
    post(w, { kind: 'blocked', activation: 1 });
    drainEventsLocked(w.x, w.v, true);
    post(w, { kind: 'unblocked', activation: 1, context: contextOf(a, 1), result: undefined });
    expect(drainEventsLocked(w.x, w.v, true).wake).toBe(-1); // this vCPU runs it next
    expect(w.uls.outstanding).toBe(0);
  });

  it('claims nothing when the caller may not claim', () => {
    const w = world(2);
    const v1 = w.others[0]!;
    v1.idle = true;
    const a = running(w, 'a');
    post(w, { kind: 'blocked', activation: 1 });
    drainEventsLocked(w.x, w.v, true);
    post(w, { kind: 'unblocked', activation: 1, context: contextOf(a, 1), result: undefined });
    expect(drainEventsLocked(w.x, w.v, false).wake).toBe(-1);
    expect(v1.idle).toBe(true);
    expect(a.state).toBe('ready');
  });
});

describe('drainEventsLocked: preempted, vCPU notices, bookkeeping', () => {
  it('preempted (this vCPU) stores the interrupted context of the current thread and requeues it', () => {
    const w = world();
    const t = running(w, 'worker');
    const ctx: Context = contextOf(t, 5);
    post(w, { kind: 'preempted', activation: 1, context: ctx, vcpu: 0 });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r.handled).toBe(1);
    expect(t.saved).toBe(ctx);
    expect(t.state).toBe('ready');
    expect(w.v.current).toBeNull();
    expect(w.uls.policy.pickNext(0)).toBe(t);
    expect(w.v.recycle).toEqual([]); // this vCPU goes on running on that activation
  });

  it('preempted of ANOTHER (revoked) vCPU takes that vCPU\'s current thread and recycles its spent activation', () => {
    const w = world(2);
    const v1 = w.others[0]!;
    const t = w.uls.createThread('there', idle(), 0);
    (t.saved as GenContext).used = true;
    t.transition('ready', 'running', 10);
    v1.current = t;
    const mine = running(w, 'here');
    const ctx = contextOf(t, 8);
    post(w, { kind: 'preempted', activation: 9, context: ctx, vcpu: 1 }, { kind: 'vcpuRevoked', vcpu: 1 });
    drainEventsLocked(w.x, w.v, true);
    expect(t.saved).toBe(ctx);
    expect(t.state).toBe('ready');
    expect(v1.current).toBeNull();
    expect(v1.assigned).toBe(false);
    expect(w.v.current).toBe(mine); // untouched
    expect(w.v.recycle).toEqual([9]);
    expect(w.uls.policy.pickNext(0)).toBe(t);
  });

  it('preempted names its thread by the context\'s stack, even when the vCPU\'s current is stale', () => {
    const w = world();
    const t = w.uls.createThread('x', idle(), 0);
    t.transition('ready', 'running', 5); // it ran on vCPU 0, whose `current` no longer says so
    post(w, { kind: 'preempted', activation: 1, context: contextOf(t, 1), vcpu: 0 });
    drainEventsLocked(w.x, w.v, true);
    expect(t.state).toBe('ready');
    expect(t.queued).toBe(true);
    expect(w.v.current).toBeNull();
  });

  it('preempted with dispatcher code and no current thread is a RuntimePanic', () => {
    const w = world();
    const sm = { kind: 'sm' as const, id: 9, routine: { name: 'r', size: 1, base: 0, step: () => undefined }, pc: 0, r0: undefined, r1: undefined, r2: undefined, r3: undefined };
    post(w, { kind: 'preempted', activation: 1, context: sm, vcpu: 0 });
    expect(() => drainEventsLocked(w.x, w.v, true)).toThrow(RuntimePanic);
  });

  it('wake and timer notices are counted but change nothing', () => {
    const w = world();
    const t = running(w, 'a');
    post(w, { kind: 'wake' }, { kind: 'timer' });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r).toEqual({ wake: -1, handled: 2 });
    expect(w.v.current).toBe(t);
    expect(t.state).toBe('running');
    expect(w.traces).toEqual([]);
  });

  it('vcpuAdded / vcpuRevoked keep the user\'s view of its processors', () => {
    const w = world(3);
    const [v1, v2] = w.others as [Vcpu, Vcpu];
    w.uls.outstanding = 1;
    v2.idle = true;
    v2.assigned = true;
    post(w, { kind: 'vcpuAdded', vcpu: 1 }, { kind: 'vcpuRevoked', vcpu: 2 });
    const r = drainEventsLocked(w.x, w.v, true);
    expect(r).toEqual({ wake: -1, handled: 2 });
    expect(v1.assigned).toBe(true);
    expect(w.uls.outstanding).toBe(0); // the requested processor arrived
    expect(v2.assigned).toBe(false);
    expect(v2.idle).toBe(false); // a revoked vCPU is never claimed for a wake
  });

  it('empties the queue and sets seen = delivered, so sys_yield will not block over a notice', () => {
    const w = world();
    running(w, 'a');
    post(w, { kind: 'wake' }, { kind: 'blocked', activation: 2 });
    expect(w.v.shared.delivered).toBe(2);
    expect(w.v.shared.seen).toBe(0);
    drainEventsLocked(w.x, w.v, true);
    expect(w.v.shared.events.length).toBe(0);
    expect(w.v.shared.seen).toBe(2);
    expect(drainEventsLocked(w.x, w.v, true)).toEqual({ wake: -1, handled: 0 });
  });
});

describe('events through a Machine (seed 9)', () => {
  it('a thread blocked in the kernel is reported blocked meanwhile and gets its bytes; its blocked time covers the disk', () => {
    function* reader(): Code<number> {
      return (yield* read(1024)) + (yield* read(2048));
    }
    function* main(): Code<number[]> {
      const r = yield* spawn(reader);
      const c = yield* spawn(function* busy(): Code<number> {
        yield* compute(300_000);
        return 1;
      });
      return [yield* join(r), yield* join(c)];
    }
    const m = new Machine({ cpus: 2, seed: 9, trace: true });
    m.process({ vcpus: 2 }, main);
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.processes[0]?.mainResult).toEqual([3072, 1]);
    const reader2 = r.processes[0]!.threads.find((t) => t.name === 'reader')!;
    expect(reader2.blockedTime).toBeGreaterThanOrEqual(2 * 100_000 + 3_000);
    const evs = (r.trace ?? []).filter((e) => e.kind === 'act-blocked' || e.kind === 'act-unblocked');
    expect(evs.map((e) => e.kind)).toEqual(['act-blocked', 'act-unblocked', 'act-blocked', 'act-unblocked']);
    expect(evs.every((e) => e.a === reader2.id)).toBe(true);
  });
});
