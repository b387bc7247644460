/**
 * A planted bug for race testing: two tellers withdraw from one account with a
 * check-then-act and no lock (`locked: false`). Each withdrawal reads the balance,
 * thinks for 2 us, and writes back balance - amount; the stretch between the read and
 * the write is marked as the race window `check`. On one vCPU with a 200 us quantum
 * the default schedule never splits a window, so the bug hides; an interrupt landed
 * inside a teller's window lets the other teller run first, and one update is lost.
 *
 * Run it: npx tsx examples/race-bank.ts   (PCT finds it, shrinks it, prints the replay)
 * or: upcall explore examples/race-bank.ts --strategy pct --windows check
 */
import { compute, enterWindow, join, leaveWindow, Mutex, spawn, step } from '../src/index';
import type { Code, Machine, Report } from '../src/index';
import type { Scenario } from '../src/testing/index';

export interface BankOptions {
  /** Take a Mutex around the check-then-act (the fix). Default false. */
  readonly locked?: boolean;
  readonly seed?: number;
  /** Extra instructions each teller runs before its first withdrawal (a refactor outside the window). */
  readonly warmup?: number;
  /** Kernel-managed memory (a resident set of 8 pages): a page fault blocks the teller on a page-in. */
  readonly paged?: boolean;
}

export interface Account {
  balance: number;
  withdrawn: number;
}

export const OPENING = 100;

/** The scenario: two tellers, two withdrawals of 30 each, from 100. */
export function bank(o: BankOptions = {}): Scenario {
  let acct: Account = { balance: OPENING, withdrawn: 0 };
  return {
    name: o.locked === true ? 'bank (locked)' : 'bank (check-then-act)',
    machine: { cpus: 1, seed: o.seed ?? 1, costs: { quantum: 200_000 } },
    setup(m: Machine): void {
      acct = { balance: OPENING, withdrawn: 0 }; // fresh state for every run
      const a = acct;
      m.process({ vcpus: 1, ...(o.paged === true ? { memory: { residentPages: 8 } } : {}) }, function* main(): Code<number> {
        const lock = new Mutex('account');
        function* teller(amount: number): Code<number> {
          for (let i = 0; i < (o.warmup ?? 0); i++) yield* step();
          let got = 0;
          for (let i = 0; i < 2; i++) {
            if (o.locked === true) yield* lock.lock();
            enterWindow('check');
            const seen = a.balance; // check ...
            yield* compute(2_000);
            if (seen >= amount) {
              a.balance = seen - amount; // ... then act
              a.withdrawn += amount;
              got += amount;
            }
            leaveWindow('check');
            if (o.locked === true) yield* lock.unlock();
            yield* compute(500);
          }
          return got;
        }
        const t1 = yield* spawn(teller, 30);
        const t2 = yield* spawn(teller, 30);
        return (yield* join(t1)) + (yield* join(t2));
      });
    },
    check(r: Report): boolean | string {
      if (acct.balance + acct.withdrawn !== OPENING) return `balance ${acct.balance} + withdrawn ${acct.withdrawn} != ${OPENING}: an update was lost`;
      return r.processes[0]?.mainResult === acct.withdrawn || 'the tellers report other sums than the account';
    },
  };
}

/** The unlocked bank, for the command line: `upcall explore examples/race-bank.ts --strategy pct`. */
export const scenario: Scenario = bank();

async function main(): Promise<void> {
  const { explore, formatExplore, pct } = await import('../src/testing/index');
  const r = explore(bank(), { strategy: pct({ depth: 2, windows: ['check'] }), runs: 100 });
  console.log(formatExplore(r));
}

if (import.meta.url === `file://${process.argv[1]}`) void main();
