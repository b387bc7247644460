/**
 * The atomic instructions on shared words (LOAD, STORE, TAS, CAS, FAA): what each does to
 * a Cell and what it charges. A failed acquire (TAS finding the word taken, a failed CAS)
 * is a spin: not progress, and `spinRun` counts how many came in a row on the CPU (for
 * livelock reports and pause-loop exits); a successful TAS records who took the word.
 */
import { Cell, OP_CAS, OP_FAA, OP_LOAD, OP_STORE, OP_TAS } from './abi';
import { P_ATOMIC, P_INSTRUCTION } from './costs';
import type { Cpu } from './cpu';
import type { UserView } from './user-view';

/** Execute atomic `op` with the operands in `v`. */
export function atomic(cpu: Cpu, op: number, v: UserView): void {
  switch (op) {
      case OP_LOAD:
        if (!(v.a0 instanceof Cell)) return cpu.badOperand(op, 'LOAD needs a shared word (Cell)');
        cpu.value = v.a0.value;
        cpu.charge(P_INSTRUCTION);
        return;
      case OP_STORE:
        if (!(v.a0 instanceof Cell) || typeof v.a1 !== 'number') return cpu.badOperand(op, 'STORE needs a shared word (Cell) and a number');
        v.a0.value = v.a1;
        cpu.value = undefined;
        cpu.charge(P_INSTRUCTION);
        return;
      case OP_TAS:
        if (!(v.a0 instanceof Cell)) return cpu.badOperand(op, 'TAS needs a shared word (Cell)');
        cpu.value = testAndSet(cpu, v.a0);
        cpu.charge(P_ATOMIC);
        return;
      case OP_CAS: {
        if (!(v.a0 instanceof Cell) || typeof v.a1 !== 'number' || typeof v.a2 !== 'number') return cpu.badOperand(op, 'CAS needs a shared word (Cell) and two numbers');
        const cell = v.a0;
        const ok = cell.value === v.a1;
        if (ok) cell.value = v.a2 as number;
        else cpu.noteSpin(cell);
        cpu.value = ok;
        cpu.charge(P_ATOMIC);
        return;
      }
      case OP_FAA: {
        if (!(v.a0 instanceof Cell) || typeof v.a1 !== 'number') return cpu.badOperand(op, 'FAA needs a shared word (Cell) and a number');
        const cell = v.a0;
        cpu.value = cell.value;
        cell.value += v.a1 as number;
        cpu.charge(P_ATOMIC);
        return;
      }
    default:
      cpu.badOperand(op, 'not an atomic instruction');
  }
}

/** Test-and-set: the old value; 0 means `cpu` took the word. */
export function testAndSet(cpu: Cpu, cell: Cell): number {
  const old = cell.value;
  if (old !== 0) {
    cpu.noteSpin(cell);
    return old;
  }
  cell.value = 1;
  cell.heldBy = cpu.runningFor();
  return 0;
}
