/**
 * Value parsers for the flags (commander calls them; a bad value becomes commander's
 * "option '--runs <n>' argument 'x' is invalid. <what we say>", exit code 2).
 */
import { InvalidArgumentError } from 'commander';
import type { EventName } from '../testing/index';
import { EVENT_KINDS } from './explore-engine';

export function integer(min: number, max = Number.MAX_SAFE_INTEGER): (v: string) => number {
  return (v: string): number => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer${max === Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ` from ${min} to ${max}`}.`);
    }
    return n;
  };
}

/** Seconds (a fraction is fine) as ms. */
export function secondsToMs(v: string): number {
  const s = Number(v);
  if (v.trim() === '' || !Number.isFinite(s) || s <= 0 || s * 1000 > 2 ** 31 - 1) throw new InvalidArgumentError('expected a number of seconds > 0 (e.g. 5 or 0.5).');
  return Math.max(1, Math.round(s * 1000));
}

/** A comma-separated list of names (windows). */
export function names(v: string): string[] {
  const list = v.split(',').map((x) => x.trim()).filter((x) => x.length > 0);
  if (list.length === 0) throw new InvalidArgumentError('expected one or more names separated by commas (e.g. check,resume).');
  return list;
}

/** A comma-separated list of event kinds. */
export function kinds(v: string): EventName[] {
  const list = names(v);
  for (const k of list) {
    if (!(EVENT_KINDS as readonly string[]).includes(k)) throw new InvalidArgumentError(`unknown event kind '${k}': expected some of ${EVENT_KINDS.join(', ')} separated by commas (irq interrupt, pf page fault, rv vCPU revocation, st stall).`);
  }
  return list as EventName[];
}

/** An app argument: JSON when it parses (5, true, "x", [1,2]), else the text itself. */
export function appArgument(v: string): unknown {
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

/** Quote `s` for a POSIX shell when it needs it. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
