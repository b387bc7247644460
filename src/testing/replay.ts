/**
 * Replay strings: a run's seed and its non-default decisions, as short readable tokens
 * separated by `;`, that name where each event landed in terms of the program rather
 * than of a global step count, so they survive changes that do not touch the window.
 *
 *   s7                        the seed (always first)
 *   irq@main/2:worker:resume+1#2   an interrupt in dispatcher code working for the thread
 *                             main/2:worker (its vCPU's current thread), at that thread's
 *                             2nd arrival at resume+1
 *   irq@cpu1:sched+6#3        ... in dispatcher code working for no thread: cpu1's 3rd
 *                             arrival at sched+6 (irq@sched+6#3: any CPU's, never written)
 *   pf@main/1:teller:12       a page fault before the thread's 12th instruction
 *   irq@main/1:teller:12r     ... at the point before it where the rest of the 11th (split
 *                             by the timer, or a touch retried) is still to run (r2: the 2nd)
 *   rv@main/1:teller:check#2+0   a vCPU revocation at the first instruction boundary of the
 *                             thread's 2nd pass through the window `check` (the boundary after
 *                             the instruction in which it entered)
 *   st@main/1:teller:7=40     a stall: the CPU about to run the thread's 7th instruction is
 *                             held back until the other CPUs have run 40 instructions
 *   pf@main/1:teller:page12#2    the thread's 2nd touch of page 12 faults (it was paged out)
 *   tie#4=1  io#2=0  victim#1=0   the 4th tie, 2nd disk pick, 1st allocator victim
 *   pick#3=main/2:worker      the 3rd pick of a thread to run takes main/2:worker
 *
 * Threads are named by path (Tcb.path): `main`, then each spawn adds `/<its index among the
 * parent's spawns>:<the body's name>`; `P1.` prefixes a thread of the second process. A
 * change in spawn order or bodies makes a path name no thread, or a thread with another
 * body: the replay says so (ReplayError) instead of replaying some other run.
 *
 * Invariants:
 *  1. parse(format(tokens)) equals tokens; format(parse(s)) is s up to whitespace and
 *     the default `#1` of a pc anchor.
 *  2. Every malformed token is a ReplayError naming its position, its text and why.
 */
import { DecisionError } from '../../kernel-sim/errors';

export class ReplayError extends DecisionError {
  override readonly name: string = 'ReplayError';
  override readonly code: string = 'ERR_REPLAY';
  constructor(message: string, readonly token: number, readonly text: string) {
    super(message);
  }
}

export type EventName = 'irq' | 'pf' | 'rv' | 'st';
export type ChoiceName = 'tie' | 'io' | 'victim';

/** A thread: process index (0 for the first process) and its path (`main/2:worker`). */
export interface ThreadRef {
  readonly proc: number;
  readonly path: string;
}

export type Anchor =
  /**
   * Before the thread's index-th instruction (1-based). `rest` > 0: at the rest-th point,
   * before that instruction, where the rest of the previous one (split by the timer, or
   * a touch retried after its page-in) is still to run.
   */
  | { readonly kind: 'thread'; readonly at: ThreadRef; readonly index: number; readonly rest: number }
  /** At boundary `offset` (0 = the first) of the thread's entry-th pass through `window`; `rest` as above. */
  | { readonly kind: 'window'; readonly at: ThreadRef; readonly window: string; readonly entry: number; readonly offset: number; readonly rest: number }
  /**
   * Before the nth arrival at code symbol+offset: of dispatcher code working for thread
   * `at`; or, when `at` is null, on `cpu` (on any CPU when cpu is -1).
   */
  | { readonly kind: 'pc'; readonly cpu: number; readonly at: ThreadRef | null; readonly symbol: string; readonly offset: number; readonly nth: number };

export type Token =
  | { readonly kind: 'seed'; readonly seed: number }
  /** `n`: a stall's length (instructions of the other CPUs), 0 for the other events. */
  | { readonly kind: 'event'; readonly event: EventName; readonly anchor: Anchor; readonly n: number }
  | { readonly kind: 'pick'; readonly nth: number; readonly thread: ThreadRef }
  | { readonly kind: 'touch'; readonly at: ThreadRef; readonly page: number; readonly nth: number }
  | { readonly kind: 'choice'; readonly point: ChoiceName; readonly nth: number; readonly answer: number };

const EVENTS: readonly EventName[] = ['irq', 'pf', 'rv', 'st'];
const CHOICES: readonly ChoiceName[] = ['tie', 'io', 'victim'];

export function formatThread(t: ThreadRef): string {
  return t.proc === 0 ? t.path : `P${t.proc}.${t.path}`;
}

export function formatAnchor(a: Anchor): string {
  switch (a.kind) {
    case 'thread':
      return `${formatThread(a.at)}:${a.index}${formatRest(a.rest)}`;
    case 'window':
      return `${formatThread(a.at)}:${a.window}#${a.entry}+${a.offset}${formatRest(a.rest)}`;
    case 'pc': {
      const where = a.offset === 0 ? a.symbol : `${a.symbol}+${a.offset}`;
      const nth = a.nth === 1 ? '' : `#${a.nth}`;
      if (a.at !== null) return `${formatThread(a.at)}:${where}${nth}`;
      return a.cpu < 0 ? `${where}${nth}` : `cpu${a.cpu}:${where}${nth}`;
    }
    default:
      return assertNever(a);
  }
}

/** `r` for the first rest point, `r2` for the second, nothing for an instruction boundary. */
function formatRest(rest: number): string {
  return rest === 0 ? '' : rest === 1 ? 'r' : `r${rest}`;
}

export function formatToken(t: Token): string {
  switch (t.kind) {
    case 'seed':
      return `s${t.seed}`;
    case 'event':
      return `${t.event}@${formatAnchor(t.anchor)}${t.event === 'st' ? `=${t.n}` : ''}`;
    case 'pick':
      return `pick#${t.nth}=${formatThread(t.thread)}`;
    case 'touch':
      return `pf@${formatThread(t.at)}:page${t.page}${t.nth === 1 ? '' : `#${t.nth}`}`;
    case 'choice':
      return `${t.point}#${t.nth}=${t.answer}`;
    default:
      return assertNever(t);
  }
}

export function formatReplay(tokens: readonly Token[]): string {
  return tokens.map(formatToken).join(';');
}

const INT = '(-?\\d+)';
const NAT = '(\\d+)';
const THREAD = '(?:P(\\d+)\\.)?(main(?:/\\d+:[A-Za-z_$][\\w$]*)*)';
const RE_SEED = new RegExp(`^s${INT}$`);
const RE_CHOICE = new RegExp(`^([a-z]+)#${NAT}=${NAT}$`);
const RE_EVENT = /^([a-z]+)@(.+?)(?:=(\d+))?$/;
const RE_PICK = new RegExp(`^pick#${NAT}=${THREAD}$`);
const RE_TOUCH = new RegExp(`^${THREAD}:page${NAT}(?:#${NAT})?$`);
const RE_WINDOW = new RegExp(`^${THREAD}:([A-Za-z_][\\w-]*)#${NAT}\\+${NAT}(?:r(\\d*))?$`);
const RE_INDEX = new RegExp(`^${THREAD}:${NAT}(?:r(\\d*))?$`);
const RE_PC = new RegExp(`^(?:cpu${NAT}:)?([A-Za-z_]\\w*)(?:\\+${NAT})?(?:#${NAT})?$`);
const RE_THREAD_PC = new RegExp(`^${THREAD}:([A-Za-z_]\\w*)(?:\\+${NAT})?(?:#${NAT})?$`);

/** Parse a replay string; throws ReplayError at the first malformed token. */
export function parseReplay(text: string): Token[] {
  if (typeof text !== 'string') throw new ReplayError(`replay: expected a string, got ${typeof text}`, 0, String(text));
  const parts = text.split(';').map((p) => p.trim());
  const out: Token[] = [];
  parts.forEach((p, i) => {
    const n = i + 1;
    const bad = (why: string): never => {
      throw new ReplayError(`replay token ${n} '${p}': ${why}`, n, p);
    };
    if (p.length === 0) bad('empty token (two `;` in a row, or a trailing `;`)');
    if (i === 0) {
      const m = RE_SEED.exec(p);
      if (m === null) bad('a replay string starts with the seed, e.g. s7');
      const seed = Number((m as RegExpExecArray)[1]);
      if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed > 2 ** 31 - 1) bad('the seed must be a 32-bit integer');
      out.push({ kind: 'seed', seed });
      return;
    }
    if (RE_SEED.test(p)) bad('a second seed (the seed comes once, first)');
    if (p.startsWith('pick#')) {
      const k = RE_PICK.exec(p);
      if (k === null) bad('expected pick#<n>=<thread path>, e.g. pick#3=main/2:worker');
      const [, nth, proc, path] = k as RegExpExecArray;
      out.push({ kind: 'pick', nth: positive(nth, bad, 'the ordinal after #'), thread: threadRef(proc, path, bad) });
      return;
    }
    const c = RE_CHOICE.exec(p);
    if (c !== null) {
      const point = c[1] as string;
      if (!(CHOICES as readonly string[]).includes(point)) bad(`unknown decision '${point}' (known: ${CHOICES.join(', ')})`);
      out.push({ kind: 'choice', point: point as ChoiceName, nth: positive(c[2], bad, 'the ordinal after #'), answer: Number(c[3]) });
      return;
    }
    const e = RE_EVENT.exec(p);
    if (e === null) bad('expected event@anchor (irq@cpu0:resume+1), a decision (tie#3=1) or the seed');
    const [, ev, where, len] = e as RegExpExecArray;
    if (!(EVENTS as readonly string[]).includes(ev as string)) bad(`unknown event '${ev}' (known: ${EVENTS.join(', ')})`);
    if (ev === 'st' && len === undefined) bad('a stall names its length: st@<anchor>=<instructions>, e.g. st@main/1:w:7=40');
    if (ev !== 'st' && len !== undefined) bad(`only a stall (st) has a length after =`);
    out.push(eventToken(ev as EventName, where as string, len === undefined ? 0 : positive(len, bad, 'the stall length'), bad));
  });
  return out;
}

function eventToken(event: EventName, where: string, n: number, bad: (why: string) => never): Token {
  const t = RE_TOUCH.exec(where);
  if (t !== null) {
    if (event !== 'pf') bad('only a page fault (pf) can land on a touch of a page');
    return { kind: 'touch', at: threadRef(t[1], t[2], bad), page: Number(t[3]), nth: t[4] === undefined ? 1 : positive(t[4], bad, 'the touch ordinal') };
  }
  const w = RE_WINDOW.exec(where);
  if (w !== null) {
    return {
      kind: 'event', event, n,
      anchor: { kind: 'window', at: threadRef(w[1], w[2], bad), window: w[3] as string, entry: positive(w[4], bad, 'the window entry'), offset: Number(w[5]), rest: restOf(w[6], bad) },
    };
  }
  const x = RE_INDEX.exec(where);
  if (x !== null) {
    return { kind: 'event', event, n, anchor: { kind: 'thread', at: threadRef(x[1], x[2], bad), index: positive(x[3], bad, 'the instruction index'), rest: restOf(x[4], bad) } };
  }
  const tp = RE_THREAD_PC.exec(where);
  if (tp !== null) {
    return {
      kind: 'event', event, n,
      anchor: {
        kind: 'pc', cpu: -1, at: threadRef(tp[1], tp[2], bad), symbol: tp[3] as string,
        offset: tp[4] === undefined ? 0 : Number(tp[4]), nth: tp[5] === undefined ? 1 : positive(tp[5], bad, 'the arrival ordinal'),
      },
    };
  }
  const pc = RE_PC.exec(where);
  if (pc !== null) {
    return {
      kind: 'event', event, n,
      anchor: {
        kind: 'pc', cpu: pc[1] === undefined ? -1 : Number(pc[1]), at: null, symbol: pc[2] as string,
        offset: pc[3] === undefined ? 0 : Number(pc[3]), nth: pc[4] === undefined ? 1 : positive(pc[4], bad, 'the arrival ordinal'),
      },
    };
  }
  return bad(`cannot read the anchor '${where}' (expected main/1:w:12, main/1:w:window#1+0, main/1:w:resume+1#2, cpu0:sched#2 or main/1:w:page4; threads are named by path from main)`);
}

/** `r` = 1, `rN` = N, absent = 0. */
function restOf(v: string | undefined, bad: (why: string) => never): number {
  if (v === undefined) return 0;
  if (v === '') return 1;
  return positive(v, bad, 'the rest ordinal after r');
}

function threadRef(proc: string | undefined, path: string | undefined, bad: (why: string) => never): ThreadRef {
  if (path === undefined) return bad('no thread path');
  return { proc: proc === undefined ? 0 : Number(proc), path };
}

function positive(v: string | undefined, bad: (why: string) => never, what: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) bad(`${what} counts from 1, got ${String(v)}`);
  return n;
}

function assertNever(x: never): never {
  throw new Error(`replay: unreachable ${JSON.stringify(x)}`);
}
