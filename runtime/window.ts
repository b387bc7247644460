/**
 * Race windows marked by application (or library) code: a named stretch of a thread's
 * code where an interrupt, page fault or revocation is interesting to test. Marking is
 * a plain call made between two instructions (no `yield`), so it costs no simulated
 * time and moves no instruction boundary: a run with marks is the same run.
 *
 * Invariants:
 *  1. Windows nest per thread (a stack); leaveWindow must name the innermost one.
 *  2. `entry` counts a thread's entries into windows of that name (1-based), so
 *     `T3:check#2` names T3's second pass through `check` in every run of the program.
 *  3. `at` is the thread's instruction count (Stack.seq) during the instruction in which
 *     it entered, so offsets count the instruction boundaries of the pass: offset 0 is
 *     the boundary right after that instruction (the JavaScript between two `yield`s
 *     and the instruction the second one yields are one step: no boundary lies between).
 */
import { RUNNING } from '../kernel-sim/abi';
import { ArgumentError, OutsideThreadError } from './errors';
import { ROUTINES } from './routines/index';
import type { Tcb } from './tcb';
import { vcpuOf } from './uls';

/** One open window of a thread. */
export interface OpenWindow {
  readonly name: string;
  readonly entry: number;
  readonly at: number;
}

const NAME = /^[A-Za-z_][\w-]*$/;

/** Names a test uses for other windows: the built-in ones and the dispatcher routines. */
const RESERVED: ReadonlySet<string> = new Set(['dispatcher', 'switch', 'user', 'spinlock', 'critical', 'all', ...ROUTINES.map((r) => r.name)]);

function currentTcb(api: string): Tcb {
  const cpu = RUNNING.cpu;
  if (cpu === null) throw new OutsideThreadError(`${api}: called outside a green thread (call it from thread code run by a Machine)`);
  const t = vcpuOf(cpu).current;
  if (t === null) throw new OutsideThreadError(`${api}: no thread is running on this vCPU`);
  return t;
}

/** Open window `name` for the calling thread (a plain call: no instruction). */
export function enterWindow(name: string): void {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new ArgumentError(`enterWindow: a window name is a letter or _ followed by letters, digits, _ or -, got ${JSON.stringify(name)}`);
  }
  if (RESERVED.has(name)) throw new ArgumentError(`enterWindow: '${name}' names a built-in window or a dispatcher routine; choose another name`);
  const t = currentTcb('enterWindow');
  const entries = t.windowEntries ?? (t.windowEntries = new Map());
  const entry = (entries.get(name) ?? 0) + 1;
  entries.set(name, entry);
  (t.windows ?? (t.windows = [])).push({ name, entry, at: t.stack.seq });
  (RUNNING.cpu as NonNullable<typeof RUNNING.cpu>).trace('~window-enter', t.id, entry); // a note: src/trace only, never hashed
}

/** Close the calling thread's innermost window, which must be `name`. */
export function leaveWindow(name: string): void {
  const t = currentTcb('leaveWindow');
  const ws = t.windows;
  const top = ws === null ? undefined : ws[ws.length - 1];
  if (ws === null || top === undefined || top.name !== name) {
    throw new ArgumentError(`leaveWindow: ${t.label} leaves '${name}' but its innermost window is ${top === undefined ? 'none' : `'${top.name}'`}`);
  }
  (RUNNING.cpu as NonNullable<typeof RUNNING.cpu>).trace('~window-leave', t.id, top.entry); // before the pop: the record names the window
  ws.pop();
}

/** Run body(...args) inside window `name` (closed again however the body ends). */
export function* inWindow<T>(name: string, body: () => Generator<number, T, unknown>): Generator<number, T, unknown> {
  enterWindow(name);
  try {
    return yield* body();
  } finally {
    leaveWindow(name);
  }
}
