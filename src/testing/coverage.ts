/**
 * Coverage: where events actually landed. Every landing (timer ticks, notices, daemons,
 * injected events, page faults, revocations) is counted by the labels of the point it
 * landed on (windows.ts) and by event kind, and dispatcher pcs are counted one by one,
 * so a report can say "resume: irq at 4 of 4 instructions".
 *
 * Invariants:
 *  1. A Coverage only grows: every run of an exploration adds its landings to it.
 *  2. Kinds are irq, pf and rv (revocation), as in replay tokens.
 */
import type { Stack } from '../../kernel-sim/abi';
import type { Cpu } from '../../kernel-sim/cpu';
import type { Kernel } from '../../kernel-sim/kernel';
import type { KernelObserver, LandCause, LandKind } from '../../kernel-sim/observer';
import type { Uls } from '../../runtime/uls';
import type { EventName } from './replay';
import type { Windows } from './windows';

export type KindCounts = Record<EventName, number>;

export interface CoverageData {
  /** Landings by label (window) and kind. */
  readonly windows: Record<string, KindCounts>;
  /** Landings by dispatcher pc (`resume+1`) and kind. */
  readonly pcs: Record<string, KindCounts>;
  /** Instructions of each routine, for "landed at n of m". */
  readonly routineSizes: Record<string, number>;
}

const KIND: Record<LandKind, EventName> = { irq: 'irq', pf: 'pf', revoke: 'rv' };

function zero(): KindCounts {
  return { irq: 0, pf: 0, rv: 0, st: 0 };
}

export class Coverage {
  readonly data: { windows: Record<string, KindCounts>; pcs: Record<string, KindCounts>; routineSizes: Record<string, number> } = {
    windows: {}, pcs: {}, routineSizes: {},
  };

  /** Count one landing. */
  add(labels: readonly string[], pcName: string | null, kind: EventName): void {
    for (const l of labels) (this.data.windows[l] ??= zero())[kind]++;
    if (pcName !== null) (this.data.pcs[pcName] ??= zero())[kind]++;
  }

  /** Distinct pcs of `routine` where `kind` landed at least once. */
  pcsHit(routine: string, kind: EventName = 'irq'): number {
    let n = 0;
    for (const [p, c] of Object.entries(this.data.pcs)) if ((p === routine || p.startsWith(`${routine}+`)) && c[kind] > 0) n++;
    return n;
  }

  /** A table: one row per label, a column per kind, and for routines "pcs hit/size". */
  format(rows?: readonly string[]): string {
    const names = rows ?? Object.keys(this.data.windows).sort();
    const lines = ['  window             irq      pf      rv   irq at pcs'];
    for (const n of names) {
      const c = this.data.windows[n] ?? zero();
      const size = this.data.routineSizes[n];
      const at = size === undefined ? '' : `${this.pcsHit(n)}/${size}`;
      lines.push(`  ${n.padEnd(16)} ${String(c.irq).padStart(6)}  ${String(c.pf).padStart(6)}  ${String(c.rv).padStart(6)}   ${at}`);
    }
    return lines.join('\n');
  }
}

/** The observer that feeds a Coverage during one run. */
export class CoverageObserver implements KernelObserver {
  constructor(private readonly cov: Coverage, private readonly k: Kernel, private readonly ulses: readonly Uls[], private readonly windows: Windows) {
    for (const r of k.code.list()) cov.data.routineSizes[r.name] = r.size;
  }

  afterStep(): void {
    /* landings only */
  }

  landed(cpu: Cpu, kind: LandKind, _cause: LandCause, pc: number, _disabled: boolean, stack: Stack | null): void {
    const d = this.k.dcbs[cpu.dcbIndex];
    if (d === undefined || d.proc.daemon) return;
    const t = this.ulses[d.proc.id]?.threadOf(stack) ?? null;
    this.cov.add(this.windows.labels(cpu, pc, t), t === null ? this.k.code.symbolize(pc) : null, KIND[kind]);
  }

  resumed(): void {
    /* landings only */
  }

  upcall(): void {
    /* landings only */
  }
}
