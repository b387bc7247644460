/**
 * Scheduler activations (Anderson et al.): the kernel vessel in which a vCPU runs user
 * code. When a thread blocks in the kernel its activation keeps the thread's context
 * and the vCPU continues on a fresh activation (an upcall reports `blocked`); when
 * the kernel work completes, the context comes back in an `unblocked` event and the
 * user level returns the spent activation to the kernel's cache (in bulk).
 *
 * Invariants:
 *  1. An activation is in exactly one state; `running` ones are the vessels of the
 *     process's assigned vCPUs, one each (checked by checkRunning after kernel events).
 *  2. The pool never holds more than `max` activations; take() returns null when it is
 *     exhausted (the caller reports a defined error instead of blocking).
 *  3. An activation is reused only after the user drained its last notice: recycled
 *     by the user in bulk, or reclaimed by the kernel when the pool is full.
 */
export type ActivationState =
  /** The vessel of a vCPU. */
  | 'running'
  /** Holds a thread blocked in the kernel. */
  | 'blocked'
  /** Its thread was handed back in an unblocked event; awaits recycling by the user. */
  | 'spent'
  /** In the kernel's cache, ready for reuse. */
  | 'cached';

export class Activation {
  state: ActivationState = 'cached';
  /** Index of the dcb (vCPU) it runs or ran on. */
  dcb = -1;
  /** The dcb whose event queue holds this activation's latest notice, and that queue's delivered count after it. */
  noticeDcb = -1;
  noticeSeq = 0;
  constructor(readonly id: number) {}
}

/** Has the user drained the latest notice about `a` (its id may be reused safely)? */
export type NoticeSeen = (a: Activation) => boolean;

export class ActivationPool {
  readonly all: Activation[] = [];
  private readonly cache: Activation[] = [];
  /** Activations that were reused from the cache rather than created. */
  reused = 0;
  exhausted = 0;

  constructor(readonly max: number, private readonly firstId: number) {}

  /**
   * A running activation for dcb: from the cache, new, or (pool full) a spent one whose
   * notice the user has already drained, so its id cannot be confused; null when none.
   */
  take(dcb: number, seen: NoticeSeen = () => false): Activation | null {
    let a = this.cache.pop();
    if (a === undefined && this.all.length >= this.max) a = this.all.find((x) => x.state === 'spent' && seen(x));
    if (a !== undefined) this.reused++;
    else if (this.all.length < this.max) {
      a = new Activation(this.firstId + this.all.length);
      this.all.push(a);
    } else {
      this.exhausted++;
      return null;
    }
    a.state = 'running';
    a.dcb = dcb;
    return a;
  }

  byId(id: number): Activation | undefined {
    const a = this.all[id - this.firstId];
    return a !== undefined && a.id === id ? a : undefined;
  }

  /** Return spent activations (whose notices were drained) to the cache; returns how many were accepted. */
  recycle(ids: readonly number[], seen: NoticeSeen = () => true): number {
    let n = 0;
    for (const id of ids) {
      const a = this.byId(id);
      if (a === undefined || a.state !== 'spent' || !seen(a)) continue;
      a.state = 'cached';
      a.dcb = -1;
      this.cache.push(a);
      n++;
    }
    return n;
  }

  /** The kernel takes an activation back directly (a revoked vCPU with no thread to report). */
  release(a: Activation): void {
    a.state = 'cached';
    a.dcb = -1;
    this.cache.push(a);
  }

  countRunning(): number {
    let n = 0;
    for (const a of this.all) if (a.state === 'running') n++;
    return n;
  }
}
