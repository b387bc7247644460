/**
 * Kernel rules R1-R6 (DESIGN 3), each on a bare kernel driven by hand-written user
 * routines (test/kernel-sim/harness.ts), plus the round-robin scheduler and the timer.
 */
import { describe, expect, it } from 'vitest';
import { DispatcherShared, RUNNING, OP_COMPUTE, OP_TOUCH, OP_TRAP, P_INSTRUCTION, SYS_EXIT, SYS_MAP, SYS_YIELD } from '../../kernel-sim/abi';
import type { Context, Frame, GenContext, SmExec, UpcallEvent } from '../../kernel-sim/abi';
import { notify } from '../../kernel-sim/notices';
import { ContextCorruption, KernelPanic } from '../../kernel-sim/errors';
import type { Dcb } from '../../kernel-sim/dcb';
import {
  compute, disable, genContext, makeKernel, oneProcess, routine, run, smContext, stackOf, syscall, touch,
} from './harness';

/** Boot routine: clear the resume bit and jump to `ctx` in one instruction (like iretq). */
function bootInto(k: ReturnType<typeof makeKernel>, ctx: () => Context, name = 'boot') {
  return routine(k, name, 1, (x) => {
    x.disp.disabled = 0;
    x.jump(ctx());
  });
}

/** Run upcall that records what it saw, then resumes the enabled area (or exits after n). */
function resumingRun(k: ReturnType<typeof makeKernel>, n: number, seen: { area: string; disabled: number; pendingOp: number }[]) {
  return routine(k, 'run', 2, (x: SmExec) => {
    if (x.pc === 0) {
      const a = x.disp.enabledArea;
      seen.push({ area: a?.kind ?? 'none', disabled: x.disp.disabled, pendingOp: a?.kind === 'gen' ? a.pendingOp : -1 });
      if (seen.length >= n) return x.syscall(SYS_EXIT);
      x.pc = 1;
      return;
    }
    x.disp.disabled = 0;
    x.jump(x.disp.enabledArea as Context);
  });
}

function* forever(): Frame {
  for (;;) yield compute(1_000);
}

describe('R1: the disabled predicate', () => {
  it('is disabled iff the flag is set or critLow <= pc < critHigh (half-open)', () => {
    const k = makeKernel();
    const d = k.addProcess('x', 1, () => 0).dcbs[0] as Dcb;
    const s = d.shared;
    s.critLow = 100;
    s.critHigh = 104;
    s.disabled = 1;
    expect([0, 99, 100, 104, 5000].map((pc) => k.treatAsDisabled(d, pc))).toEqual([true, true, true, true, true]);
    s.disabled = 0;
    expect([99, 100, 101, 103, 104].map((pc) => k.treatAsDisabled(d, pc))).toEqual([false, true, true, true, false]);
  });

  it('unsafeNoCritCheck drops the PC-range half only', () => {
    const k = makeKernel({ unsafe: true });
    const d = k.addProcess('x', 1, () => 0).dcbs[0] as Dcb;
    const s = d.shared;
    s.critLow = 100;
    s.critHigh = 104;
    s.disabled = 0;
    expect(k.treatAsDisabled(d, 101)).toBe(false);
    s.disabled = 1;
    expect(k.treatAsDisabled(d, 101)).toBe(true);
  });

  it('garbage in the user-writable fields only makes the predicate more careful, never throws', () => {
    const k = makeKernel();
    const d = k.addProcess('x', 1, () => 0).dcbs[0] as Dcb;
    const s = d.shared as unknown as Record<string, unknown>;
    s.disabled = 'yes';
    expect(k.treatAsDisabled(d, 5)).toBe(true);
    s.disabled = 0;
    s.critLow = '0';
    s.critHigh = {};
    expect(k.treatAsDisabled(d, 5)).toBe(false);
  });
});

describe('R2 + R3: interrupt save area and dispatch', () => {
  it('enabled: state goes to the enabled area and the next dispatch is a run upcall (compute split)', () => {
    const k = makeKernel();
    const seen: { area: string; disabled: number; pendingOp: number }[] = [];
    const st = stackOf(k, forever());
    const boot = bootInto(k, () => genContext(st));
    const runUp = resumingRun(k, 4, seen);
    const p = oneProcess(k, (s) => {
      s.run = runUp;
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    run(k);
    expect(seen.length).toBe(4);
    expect(k.upcalls).toBe(4);
    for (const s of seen) {
      expect(s.area).toBe('gen');
      expect(s.disabled).toBe(1); // the kernel set it before the upcall
    }
    expect(seen.some((s) => s.pendingOp === OP_COMPUTE)).toBe(true); // a tick split a compute
    expect(p.end.kind).toBe('exited');
  });

  it('disabled: state goes to the disabled area and is resumed verbatim, never upcalled', () => {
    const k = makeKernel();
    let iterations = 0;
    const st = stackOf(k, (function* () {
      yield disable;
      for (let i = 0; i < 30; i++) {
        yield compute(1_000);
        iterations++;
      }
      yield syscall(SYS_EXIT);
    })());
    const boot = bootInto(k, () => genContext(st));
    const runUp = routine(k, 'run', 1, () => {
      throw new Error('no upcall may happen while disabled');
    });
    const p = oneProcess(k, (s) => {
      s.run = runUp;
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    run(k);
    expect(iterations).toBe(30);
    expect(k.upcalls).toBe(0);
    expect(k.interrupts).toBeGreaterThanOrEqual(5);
    const irqs = (k.trace.events ?? []).filter((e) => e.kind.startsWith('irq'));
    expect(irqs.every((e) => e.kind === 'irq-disabled')).toBe(true);
  });

  it('an interrupt inside [critLow, critHigh) is treated as disabled even with the flag clear', () => {
    for (const unsafe of [false, true]) {
      const k = makeKernel({ unsafe });
      let spins = 0;
      const crit = routine(k, 'crit', 2, (x) => {
        if (x.pc === 0) {
          x.disp.disabled = 0;
          x.pc = 1;
          return;
        }
        x.use(P_INSTRUCTION, 500);
        if (++spins > 40) x.syscall(SYS_EXIT);
      });
      const runUp = routine(k, 'run', 1, (x) => x.syscall(SYS_EXIT));
      const p = oneProcess(k, (s) => {
        s.run = runUp;
        s.critLow = k.code.baseOf(crit);
        s.critHigh = k.code.baseOf(crit) + crit.size;
        s.disabledArea = smContext(crit);
      });
      k.start(p);
      run(k);
      if (!unsafe) {
        expect(spins).toBe(41);
        expect(k.upcalls).toBe(0);
        expect(k.violationCount).toBe(0);
      } else {
        expect(k.upcalls).toBe(1); // treated as enabled: upcalled
        expect(k.violations[0]?.layer).toBe(1);
        expect(k.violations[0]?.pc).toBe('crit+1');
      }
    }
  });
});

describe('R4: page faults', () => {
  it('enabled: enabled area, disabled = 1, pagefault upcall with the page; the access retries', () => {
    const k = makeKernel();
    const got: { page: unknown; disabled: number; op: number }[] = [];
    let after = 0;
    const st = stackOf(k, (function* () {
      yield touch(5);
      after++;
      yield touch(5);
      yield syscall(SYS_EXIT);
    })());
    const boot = bootInto(k, () => genContext(st));
    const pf = routine(k, 'pf', 2, (x) => {
      if (x.pc === 0) {
        const a = x.disp.enabledArea;
        got.push({ page: x.r0, disabled: x.disp.disabled, op: a?.kind === 'gen' ? a.pendingOp : -1 });
        x.pc = 1;
        x.syscall(SYS_MAP, x.r0);
        return;
      }
      x.disp.disabled = 0;
      x.jump(x.disp.enabledArea as Context);
    });
    const p = oneProcess(k, (s) => {
      s.pagefault = pf;
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    run(k);
    expect(got).toEqual([{ page: 5, disabled: 1, op: OP_TOUCH }]);
    expect(after).toBe(1);
    expect(k.faults).toBe(1);
    expect(p.mapped.has(5)).toBe(true);
    expect(p.end.kind).toBe('exited');
  });

  it('disabled: trap area, faultsTaken++, pagefaultDisabled upcall; a third fault removes the dispatcher', () => {
    const k = makeKernel();
    const calls: { area: string; taken: number }[] = [];
    const st = stackOf(k, (function* () {
      yield disable;
      yield touch(7);
      yield syscall(SYS_EXIT);
    })());
    const boot = bootInto(k, () => genContext(st));
    const pfd = routine(k, 'pfd', 1, (x) => {
      calls.push({ area: x.disp.trapArea?.kind ?? 'none', taken: k.dcbs[0]?.faultsTaken ?? -1 });
      x.jump(x.disp.trapArea as Context); // retry: faults again, still disabled
    });
    const p = oneProcess(k, (s) => {
      s.pagefaultDisabled = pfd;
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    run(k);
    expect(calls).toEqual([{ area: 'gen', taken: 1 }, { area: 'gen', taken: 2 }]);
    expect(k.faults).toBe(3);
    expect(k.dcbs[0]?.state).toBe('removed');
    expect(p.end.kind).toBe('fault');
    if (p.end.kind === 'fault') expect(p.end.message).toContain('more than 2 faults');
  });

  it('a trap enabled goes to the trap upcall; a trap while disabled is undeliverable', () => {
    for (const dis of [false, true]) {
      const k = makeKernel();
      const traps: unknown[] = [];
      const st = stackOf(k, (function* () {
        if (dis) yield disable;
        yield 999;
      })());
      const boot = bootInto(k, () => genContext(st));
      const tr = routine(k, 'trap', 1, (x) => {
        traps.push(x.r0);
        x.syscall(SYS_EXIT);
      });
      const p = oneProcess(k, (s) => {
        s.trap = tr;
        s.disabledArea = smContext(boot);
      });
      k.start(p);
      run(k);
      if (!dis) {
        expect(traps).toEqual([{ code: 'illegal-instruction', detail: 999 }]);
      } else {
        expect(traps).toEqual([]);
        expect(p.end.kind).toBe('fault');
      }
    }
  });
});

describe('R5: sys_yield', () => {
  it('is refused while enabled (CALLER_ENABLED) and the caller goes on', () => {
    const k = makeKernel();
    const answers: unknown[] = [];
    const st = stackOf(k, (function* () {
      answers.push(yield syscall(SYS_YIELD));
      yield syscall(SYS_EXIT);
    })());
    const boot = bootInto(k, () => genContext(st));
    const p = oneProcess(k, (s) => {
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    run(k);
    expect(answers).toEqual([{ kind: 'error', code: 'CALLER_ENABLED' }]);
  });

  function yieldingBoot(setup: (x: SmExec, k: ReturnType<typeof makeKernel>) => void, onRun: (x: SmExec) => void) {
    const k = makeKernel();
    const boot = routine(k, 'boot', 1, (x) => {
      setup(x, k);
      x.syscall(SYS_YIELD);
    });
    const runUp = routine(k, 'run', 1, onRun);
    const p = oneProcess(k, (s) => {
      s.run = runUp;
      s.disabledArea = smContext(boot);
    });
    k.start(p);
    return { k, p };
  }

  it('with haswork the dispatcher stays runnable and the next entry is a run upcall', () => {
    let at = -1;
    const { k } = yieldingBoot((x) => { x.disp.haswork = 1; }, (x) => { at = x.now; x.syscall(SYS_EXIT); });
    run(k);
    expect(at).toBeGreaterThan(0);
    expect(k.upcalls).toBe(1);
  });

  it('without work, notices or a due wakeup it blocks the dispatcher', () => {
    const { k } = yieldingBoot((x) => { x.disp.haswork = 0; }, () => { throw new Error('must not run'); });
    const r = run(k);
    expect(r.end.kind).toBe('drained');
    expect(k.dcbs[0]?.state).toBe('blocked');
    expect(k.upcalls).toBe(0);
  });

  it('an unseen notice keeps it runnable (no lost wake-up)', () => {
    let ran = false;
    const { k } = yieldingBoot((x, kk) => { x.disp.haswork = 0; notify(kk.dcbs[0] as Dcb, { kind: 'wake' } as UpcallEvent); }, (x) => { ran = true; x.syscall(SYS_EXIT); });
    run(k);
    expect(ran).toBe(true);
  });

  it('a future wakeup blocks it and the kernel upcalls it at that time; a due one keeps it runnable', () => {
    let at = -1;
    const { k } = yieldingBoot((x) => { x.disp.haswork = 0; x.disp.wakeup = 40_000; }, (x) => { at = x.disp.systime; x.syscall(SYS_EXIT); });
    run(k);
    expect(at).toBeGreaterThanOrEqual(40_000);
    let ran = false;
    const due = yieldingBoot((x) => { x.disp.haswork = 0; x.disp.wakeup = 1; }, (x) => { ran = true; x.syscall(SYS_EXIT); });
    run(due.k);
    expect(ran).toBe(true);
  });
});

describe('R6: dispatchers start disabled', () => {
  it('the first dispatch resumes the prepared disabled area, not an upcall', () => {
    const k = makeKernel();
    let upcallsAtBoot = -1;
    let disabledAtBoot = -1;
    const boot = routine(k, 'boot', 1, (x) => {
      upcallsAtBoot = k.upcalls;
      disabledAtBoot = x.disp.disabled;
      x.syscall(SYS_EXIT);
    });
    const p = oneProcess(k, (s) => { s.disabledArea = smContext(boot); });
    expect(k.dcbs[0]?.kdisabled).toBe(true);
    k.start(p);
    run(k);
    expect(upcallsAtBoot).toBe(0);
    expect(disabledAtBoot).toBe(1);
  });

  it('starting a dispatcher with no prepared context is a kernel panic', () => {
    const k = makeKernel();
    const p = oneProcess(k, () => undefined);
    expect(() => k.start(p)).toThrow(KernelPanic);
  });
});

describe('kernel scheduler and timer', () => {
  it('round-robins dispatchers of two processes on one CPU, tick by tick', () => {
    const k = makeKernel();
    const order: number[] = [];
    for (let i = 0; i < 2; i++) {
      const p = k.addProcess(`p${i}`, 1, () => 0);
      const s = (p.dcbs[0] as { shared: DispatcherShared }).shared;
      const st = stackOf(k, forever(), `t${i}`);
      s.disabledArea = smContext(bootInto(k, () => genContext(st), `boot${i}`));
      let n = 0;
      s.run = routine(k, `run${i}`, 2, (x) => {
        if (x.pc === 0) {
          order.push(i);
          if (++n >= 4) return x.syscall(SYS_EXIT);
          x.pc = 1;
          return;
        }
        x.disp.disabled = 0;
        x.jump(x.disp.enabledArea as Context);
      });
      k.start(p);
    }
    run(k);
    expect(order).toEqual([0, 1, 0, 1, 0, 1, 0, 1]);
  });

  it('ticks are periodic without jitter and seeded-jittered with it', () => {
    const gaps = (jitter: number): number[] => {
      const k = makeKernel({ jitter });
      const st = stackOf(k, (function* () {
        yield disable;
        for (let i = 0; i < 200; i++) yield compute(100);
        yield syscall(SYS_EXIT);
      })());
      const p = oneProcess(k, (s) => { s.disabledArea = smContext(bootInto(k, () => genContext(st))); });
      k.start(p);
      run(k);
      const t = (k.trace.events ?? []).filter((e) => e.kind === 'irq-disabled').map((e) => e.time);
      return t.slice(1).map((x, i) => x - (t[i] as number));
    };
    const fixed = gaps(0);
    expect(fixed.length).toBeGreaterThan(2);
    expect(new Set(fixed).size).toBe(1);
    const jittered = gaps(2_000);
    expect(new Set(jittered).size).toBeGreaterThan(1);
    for (const g of jittered) {
      expect(g).toBeGreaterThanOrEqual(5_000);
      expect(g).toBeLessThanOrEqual(5_000 + 2_000 + 400);
    }
    expect(gaps(2_000)).toEqual(jittered); // seeded: the same every time
  });
});

describe('kernel overhead never starves a CPU (regression: a quantum shorter than a switch)', () => {
  it('two processes on one CPU with a 1 us quantum still finish', async () => {
    const { Machine, compute } = await import('../../src/index');
    const m = new Machine({ cpus: 1, maxSteps: 1_000_000, costs: { quantum: 1_000 } });
    for (let i = 0; i < 2; i++) m.process({ vcpus: 1 }, function* main() { yield* compute(10_000); });
    const r = m.run();
    expect(r.outcome.kind).toBe('completed');
    expect(r.counts.kernelSwitches).toBeGreaterThan(10);
  });
});

describe('detection layer 3: a restore is one-shot and must match the stack', () => {
  /** A thread that traps into `again`, which restores the thread's FIRST context (already used). */
  function twice(stale: boolean) {
    const k = makeKernel();
    let first: Context | null = null;
    const again = routine(k, 'again', 1, (x) => {
      x.disp.disabled = 0;
      const c = first as Context;
      // stale: an unused copy of the first context (the stack has moved on since)
      x.jump(stale ? { ...(c as GenContext), used: false } : c);
    });
    const st = stackOf(k, (function* (): Frame {
      yield compute(10);
      RUNNING.cpu!.a0 = again;
      yield OP_TRAP;
      return undefined;
    })());
    const p = oneProcess(k, (s) => {
      s.disabledArea = smContext(bootInto(k, () => {
        first = genContext(st);
        return first;
      }));
    });
    k.start(p);
    return k;
  }

  it('restoring a context twice is a ContextCorruption (a doubly-run thread), reported as layer 3', () => {
    const k = twice(false);
    expect(() => run(k)).toThrow(ContextCorruption);
    expect(k.violations[0]?.layer).toBe(3);
    expect(k.violations[0]?.what).toMatch(/context #\d+ of thread restored twice/);
  });

  it('restoring a stale copy (saved at an earlier step of the stack) is caught the same way', () => {
    const k = twice(true);
    expect(() => run(k)).toThrow(/stale context .* saved at step 0, stack is at 2/);
    expect(k.violations[0]?.layer).toBe(3);
  });
});

