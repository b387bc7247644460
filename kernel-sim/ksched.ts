/**
 * The kernel scheduler: which dispatcher or kernel thread each CPU runs. Three classes
 * of kernel entities share the CPUs:
 *  - kernel daemons: run first wherever they are; a waking daemon picks an idle CPU if
 *    there is one (the CPU it last ran on first), else a CPU no daemon holds, and
 *    preempts whatever runs there;
 *  - vCPUs of scheduler-activation processes: space-shared by the processor allocator
 *    (allocation.ts); an assigned vCPU sits on its CPU's local queue, alone unless more
 *    processes than CPUs forced two onto one CPU (then they alternate at ticks);
 *  - kernel threads of every other process (1:1, N:1, plain M:N): time-shared over
 *    the allocator's time-sharing pool of CPUs, from one global FIFO ready queue, a
 *    quantum at a time, oblivious of user-level state (a thread holding a user-level
 *    spinlock is preempted like any other, as under Topaz). Each process's CPU set
 *    (`cpus`, its affinity) limits where its threads run, within the pool.
 *
 * Invariants:
 *  1. A runnable time-shared thread is either on the ready queue (`inTsq`) or the one
 *     running on exactly one CPU, never both.
 *  2. A runnable activation vCPU or daemon is on its CPU's local queue; the head of a
 *     local queue is what the CPU runs when it runs one of them.
 *  3. A CPU runs a time-shared thread only while it is in the pool and the thread's
 *     effective CPU set (`eff`) contains it, except on a CPU the pool shares with a
 *     vCPU, where the two alternate at ticks.
 *  4. A time-shared thread that loses its CPU through no act of its own (a daemon, the
 *     pool shrinking) goes back to the head of the queue; one whose quantum ended goes
 *     to the tail.
 *  5. At most one wake-up IPI is in flight per CPU.
 */
import type { Cpu } from './cpu';
import { MODE_IDLE } from './cpu';
import type { Dcb, KProcess } from './dcb';
import type { Kernel } from './kernel';

/** A kernel thread of a process without activations (not a daemon): time-shared. */
export function timeShared(d: Dcb): boolean {
  return d.proc.acts === null && !d.proc.daemon;
}

/** CPU c runs nothing, has nothing queued, and no wake-up IPI is on its way to it. */
function idle(k: Kernel, c: number): boolean {
  const cpu = k.cpus[c] as Cpu;
  return cpu.mode === MODE_IDLE && cpu.dcbIndex === -1 && (k.runq[c] as Dcb[]).length === 0 && k.ipiPending[c] !== true;
}

/** Can time-shared thread d run on CPU c now? */
export function eligibleOn(k: Kernel, d: Dcb, c: number): boolean {
  return k.inPool[c] === true && d.proc.eff.includes(c);
}

/** Put time-shared thread d on the ready queue (head or tail) and wake an idle CPU for it. */
export function tsPush(k: Kernel, d: Dcb, front: boolean): void {
  if (d.inTsq) return;
  d.inTsq = true;
  if (front) k.tsq.unshift(d);
  else k.tsq.push(d);
}

/** Take the first ready time-shared thread CPU c may run, or null. */
function tsPop(k: Kernel, c: number): Dcb | null {
  const q = k.tsq;
  for (let i = 0; i < q.length; i++) {
    const d = q.at(i) as Dcb;
    if (!d.proc.eff.includes(c)) continue;
    q.removeAt(i);
    d.inTsq = false;
    d.cpu = c;
    return d;
  }
  return null;
}

/** Does a ready time-shared thread wait that CPU c could run? */
function waitingFor(k: Kernel, c: number): boolean {
  for (const d of k.tsq) if (d.proc.eff.includes(c)) return true;
  return false;
}

/** Post a wake-up IPI to idle CPU c (at most one in flight). */
function wakeCpu(k: Kernel, c: number, at: number): void {
  if (k.ipiPending[c] === true) return;
  k.ipiPending[c] = true;
  k.post(at, { kind: 'ipi', cpu: c });
}

/** Wake one idle pool CPU that time-shared thread d may run on (none: a busy one will pick it at its next decision). */
function wakeIdleFor(k: Kernel, d: Dcb, at: number): void {
  for (const c of d.proc.eff) {
    if (k.inPool[c] === true && idle(k, c)) {
      wakeCpu(k, c, at);
      return;
    }
  }
}

/**
 * d became runnable at `now` (woken by code on another CPU when `remote`): queue it by
 * its class and get a CPU to look at it.
 */
export function enqueue(k: Kernel, d: Dcb, now: number, remote: boolean): void {
  const at = now + (remote ? k.costs.ipi : 0);
  if (timeShared(d)) {
    tsPush(k, d, false);
    wakeIdleFor(k, d, at);
    return;
  }
  if (d.proc.daemon) d.cpu = daemonCpu(k, d);
  const c = d.cpu;
  (k.runq[c] as Dcb[]).push(d);
  const cpu = k.cpus[c] as Cpu;
  if (cpu.mode === MODE_IDLE && cpu.dcbIndex === -1) {
    wakeCpu(k, c, d.proc.daemon ? now : at);
    return;
  }
  const cur = k.dcbs[cpu.dcbIndex];
  // A daemon preempts at once; a vCPU given a CPU outside the pool takes it from a time-shared thread at once.
  if (cur !== undefined && !cur.proc.daemon && (d.proc.daemon || (timeShared(cur) && k.inPool[c] !== true))) {
    k.post(now, { kind: 'resched', cpu: c });
  }
}

/**
 * Where a waking daemon runs: an idle CPU (its last one first); else a CPU no other
 * daemon holds or waits for (its last one first), where it preempts an application;
 * else its last CPU, behind the daemon there.
 */
function daemonCpu(k: Kernel, d: Dcb): number {
  const n = k.cpus.length;
  if (idle(k, d.cpu)) return d.cpu;
  for (let c = 0; c < n; c++) if (idle(k, c)) return c;
  const free = (c: number): boolean => !(k.runq[c] as Dcb[]).some((x) => x.proc.daemon) && k.dcbs[(k.cpus[c] as Cpu).dcbIndex]?.proc.daemon !== true;
  if (free(d.cpu)) return d.cpu;
  for (let c = 0; c < n; c++) if (free(c)) return c;
  return d.cpu;
}

/** Take d off whatever queue holds it (it blocks, parks or ends). */
export function dequeue(k: Kernel, d: Dcb): void {
  if (timeShared(d)) {
    if (d.inTsq) {
      const i = k.tsq.indexOf(d);
      if (i >= 0) k.tsq.removeAt(i);
      d.inTsq = false;
    }
    return;
  }
  const q = k.runq[d.cpu] as Dcb[];
  const i = q.indexOf(d);
  if (i >= 0) q.splice(i, 1);
}

/**
 * The scheduling decision for `cpu` (the caller charges it): what runs next. With
 * `rotate` (a quantum ended), what ran goes behind its competitors.
 */
export function pickNext(k: Kernel, cpu: Cpu, rotate: boolean): Dcb | null {
  const c = cpu.index;
  const q = k.runq[c] as Dcb[];
  // What this CPU ran last. It may run elsewhere by now (invariant 1): a switch to a
  // dispatcher whose copy-in failed faults that process, and the processors it gives
  // back may already have taken this CPU's preempted thread off the queue.
  const last = k.dcbs[cpu.dcbIndex];
  const cur = last !== undefined && !runsElsewhere(k, last, cpu) ? last : undefined;
  const daemonAt = q.findIndex((x) => x.proc.daemon);
  if (cur !== undefined && timeShared(cur) && cur.state === 'runnable' && !cur.inTsq) {
    // The time-shared thread this CPU ran, still runnable: it competes again (invariant 4).
    if (daemonAt >= 0 || !eligibleOn(k, cur, c)) {
      // It lost this CPU through no act of its own: an idle CPU it may use must take it
      // (without the wake it would wait for a CPU that sleeps: a lost wake-up).
      tsPush(k, cur, true);
      wakeIdleFor(k, cur, cpu.time);
    }
    else if (rotate && (q.length > 0 || waitingFor(k, c))) tsPush(k, cur, false);
    else return cur;
  }
  if (daemonAt > 0) q.unshift(...q.splice(daemonAt, 1));
  if (q.length > 0) {
    const head = q[0] as Dcb;
    if (rotate && head === cur && !head.proc.daemon) {
      // A CPU the pool shares with this vCPU: the time-shared threads' turn.
      if (k.inPool[c] === true && waitingFor(k, c)) {
        q.push(q.shift() as Dcb);
        return tsPop(k, c);
      }
      if (q.length > 1) q.push(q.shift() as Dcb);
    }
    return q[0] as Dcb;
  }
  return k.inPool[c] === true ? tsPop(k, c) : null;
}

/** Is d loaded on a CPU other than `cpu`? */
function runsElsewhere(k: Kernel, d: Dcb, cpu: Cpu): boolean {
  for (const o of k.cpus) if (o !== cpu && o.mode !== MODE_IDLE && o.dcbIndex === d.index) return true;
  return false;
}

/**
 * Does something on `cpu`'s queues outrank what it runs now (a daemon over anything
 * else; a vCPU over a time-shared thread on a CPU outside the pool)?
 */
export function outranked(k: Kernel, cpu: Cpu): boolean {
  const cur = k.dcbs[cpu.dcbIndex];
  if (cur === undefined || cur.proc.daemon) return false;
  const q = k.runq[cpu.index] as Dcb[];
  if (q.some((x) => x.proc.daemon)) return true;
  return timeShared(cur) && !eligibleOn(k, cur, cpu.index);
}

/**
 * Set the time-sharing pool to `cpus`: recompute every time-shared process's effective
 * CPU set, move threads off CPUs that left the pool, and wake idle CPUs that joined it.
 */
export function setPool(k: Kernel, cpus: readonly number[], now: number): void {
  const n = k.cpus.length;
  const next = new Array<boolean>(n).fill(false);
  for (const c of cpus) next[c] = true;
  for (let c = 0; c < n; c++) k.inPool[c] = next[c] as boolean;
  for (const p of k.procs) if (p.acts === null && !p.daemon) p.eff = effective(p, cpus);
  for (let c = 0; c < n; c++) {
    const cpu = k.cpus[c] as Cpu;
    const cur = k.dcbs[cpu.dcbIndex];
    if (cpu.mode !== MODE_IDLE && cur !== undefined && timeShared(cur) && !eligibleOn(k, cur, c)) {
      k.post(now, { kind: 'resched', cpu: c });
    }
  }
  for (const d of k.tsq) {
    for (const c of d.proc.eff) {
      if (k.inPool[c] === true && idle(k, c)) {
        wakeCpu(k, c, now);
        break;
      }
    }
  }
}

/** The pool CPUs process p may use: its CPU set within the pool, or the whole pool when they do not meet. */
function effective(p: KProcess, pool: readonly number[]): number[] {
  const within = p.cpus.filter((c) => pool.includes(c));
  return within.length > 0 ? within : [...pool];
}
