/**
 * The trace recorder (MachineOptions.trace): listens to the kernel's trace (every hashed
 * event and the runtime's notes, kernel-sim/trace.ts invariant 3) and turns each into a
 * TraceRecord (schema.ts) naming the process, vCPU, thread and symbolic pc of the CPU at
 * that moment. Keeps the newest `limit` records in a ring and streams each to onRecord.
 *
 * Invariants:
 *  1. Off by default, and free when off: no listener is installed, no note hook is set.
 *  2. Recording never changes the run: it only reads machine state (trace hashes of a
 *     recorded and an unrecorded run are equal; tests prove it).
 *  3. Records are numbered in the order the machine produced them; the ring drops the
 *     oldest and counts them.
 */
import { MODE_GEN, MODE_IDLE } from '../../kernel-sim/cpu';
import type { Cpu } from '../../kernel-sim/cpu';
import type { Kernel } from '../../kernel-sim/kernel';
import type { Tcb } from '../../runtime/tcb';
import { Vcpu } from '../../runtime/uls';
import type { Uls } from '../../runtime/uls';
import { DEFAULT_TRACE_LIMIT } from './schema';
import type { RunTrace, TraceOptions, TraceRecord } from './schema';

/** Syscall names by number (kernel-sim/abi.ts SYS_*). */
const SYSCALLS: Readonly<Record<number, string>> = {
  1: 'yield', 2: 'wake', 3: 'map', 4: 'exit', 6: 'fault', 7: 'read', 8: 'recycle', 9: 'kt_create', 10: 'kt_park',
  11: 'kt_unpark', 12: 'kt_exit', 13: 'request_vcpus', 14: 'vcpu_idle', 15: 'preempt_vcpu', 16: 'delay',
  17: 'ksem_create', 18: 'ksem_wait', 19: 'ksem_post',
};

/** Kinds whose operand a is a dispatcher's index. */
const DCB_KINDS: ReadonlySet<string> = new Set(['resume-disabled', 'upcall-run', 'irq-enabled', 'irq-disabled', 'syscall', 'trap', 'pagefault', 'kt-create', 'kt-park', 'kt-exit', 'kt-block', 'dcb-removed', 'vcpu-add', 'vcpu-revoke', 'defer', 'dcb-block', 'dcb-wake']);

interface Where {
  proc: number;
  vcpu: number;
  thread: Tcb | null;
  pc: string;
}

export class TraceRecorder {
  private readonly ring: TraceRecord[] = [];
  private head = 0;
  private seq = 0;
  private readonly limit: number;
  private onRecord: ((r: TraceRecord) => void) | null;
  private streamError: string | null = null;
  /** Per CPU, its last syscall record (the kernel's `charged` note fills it in). */
  private readonly lastSyscall: { charged?: number }[] = [];

  constructor(private readonly k: Kernel, private readonly ulses: readonly Uls[], private readonly names: readonly string[], o: TraceOptions) {
    this.limit = o.limit ?? DEFAULT_TRACE_LIMIT;
    this.onRecord = o.onRecord ?? null;
    k.trace.listener = (time, cpu, kind, a, b) => this.add(time, cpu, kind, a, b);
    ulses.forEach((u) => {
      u.note = (v, kind, a, b) => {
        const d = this.k.procs[u.process]?.dcbs[v.index];
        const cpu = d === undefined || d.cpu < 0 ? -1 : d.cpu;
        this.add(cpu < 0 ? 0 : (this.k.cpus[cpu] as Cpu).time, cpu, kind, a, b);
      };
    });
  }

  /** What cpu `index` is doing: process, vCPU, thread and pc. */
  private where(index: number): Where {
    const c = this.k.cpus[index];
    if (c === undefined) return { proc: -1, vcpu: -1, thread: null, pc: 'machine' };
    if (c.mode === MODE_IDLE) return { proc: -1, vcpu: -1, thread: null, pc: 'idle' };
    const d = this.k.dcbs[c.dcbIndex];
    const pc = this.k.code.symbolize(this.k.pcOf(c));
    if (d === undefined || d.proc.daemon) return { proc: -1, vcpu: -1, thread: null, pc: d === undefined ? pc : 'kernel' };
    const u = this.ulses[d.proc.id];
    let thread: Tcb | null = null;
    if (c.mode === MODE_GEN && c.stack !== null) thread = u?.threadOf(c.stack) ?? null;
    else {
      const v: unknown = d.shared.udisp; // user-writable: believe it only if it is a vCPU of ours
      if (v instanceof Vcpu && v.uls === u) thread = v.current;
    }
    return { proc: d.proc.id, vcpu: d.vcpuId, thread, pc };
  }

  private add(time: number, cpu: number, kind: string, a: number, b: number): void {
    if (kind === 'charged') {
      // the kernel's note after a syscall: the work it charged goes on that syscall's record
      const last = this.lastSyscall[cpu];
      if (last !== undefined) last.charged = b;
      return;
    }
    const w = this.where(cpu);
    if (w.proc < 0 && DCB_KINDS.has(kind)) {
      // the event names its dispatcher (operand a) before the CPU is running it
      const d = this.k.dcbs[a];
      if (d !== undefined && !d.proc.daemon) {
        w.proc = d.proc.id;
        w.vcpu = d.vcpuId;
      }
    }
    let thread = w.thread;
    // notes about a thread name it, whatever the CPU was doing
    if ((kind === 'spawn' || kind === 'wake' || kind === 'ublock' || kind === 'exit' || kind === 'window-enter' || kind === 'window-leave') && (thread === null || thread.id !== a)) {
      thread = w.proc >= 0 ? this.ulses[w.proc]?.findThread(a) ?? thread : thread;
    }
    const r: { -readonly [K in keyof TraceRecord]: TraceRecord[K] } = {
      seq: this.seq++, time, cpu, kind, proc: w.proc, process: w.proc < 0 ? null : this.names[w.proc] ?? null,
      vcpu: w.vcpu, thread: thread === null ? -1 : thread.id, threadLabel: thread === null ? null : thread.label, pc: w.pc, a, b,
    };
    if (kind === 'syscall') {
      r.name = SYSCALLS[b] ?? `sys${b}`;
      if (cpu >= 0) this.lastSyscall[cpu] = r;
    }
    else if (kind === 'irq-enabled') r.save = 'enabled';
    else if (kind === 'irq-disabled') r.save = 'disabled';
    else if (kind === 'ublock' && thread !== null) r.name = reasonOf(thread);
    else if ((kind === 'window-enter' || kind === 'window-leave') && thread !== null) r.name = thread.windows?.[thread.windows.length - 1]?.name ?? '?';
    else if (kind === 'upcall-run') {
      const d = this.k.dcbs[a];
      // the events array is user-writable: read it as untrusted (a kernel trusts nothing)
      const ev: unknown = d?.shared.events;
      if (Array.isArray(ev)) r.notices = ev.slice(0, 64).map((e: unknown) => (e !== null && typeof e === 'object' && typeof (e as { kind?: unknown }).kind === 'string' ? (e as { kind: string }).kind : '?'));
    }
    if (this.ring.length < this.limit) this.ring.push(r);
    else {
      this.ring[this.head] = r;
      this.head = (this.head + 1) % this.limit;
    }
    if (this.onRecord !== null) {
      try {
        this.onRecord(r);
      } catch (e) {
        // the user's callback failed: stop streaming, keep recording, and say so in the trace
        this.streamError = `onRecord threw at record ${r.seq} (${r.kind} at t=${r.time}ns): ${e instanceof Error ? e.message : String(e)}; streaming stopped`;
        this.onRecord = null;
      }
    }
  }

  /** The records kept, oldest first (invariant 3). */
  result(endTime: number): RunTrace {
    const records = this.ring.length < this.limit ? this.ring.slice() : [...this.ring.slice(this.head), ...this.ring.slice(0, this.head)];
    return { records, dropped: this.seq - records.length, cpus: this.k.cpus.length, processes: this.names.slice(), endTime, ...(this.streamError === null ? {} : { streamError: this.streamError }) };
  }
}

/** A blocked thread's reason as a word (`mutex m`, `join T3(w)`, `sleep`). */
function reasonOf(t: Tcb): string {
  const r = t.reason;
  if (r === null) return 'blocked';
  return 'on' in r ? `${r.kind} ${r.on.label}` : r.kind;
}
