/**
 * Informational `machine-construct`: the fixed cost of `new Machine(...).process(...)`
 * without run(), which both Machine scenarios include once per measured call.
 */
import { Machine } from '../../src/index';
import type { Code } from '../../src/index';

function* idle(): Code<void> {}

export function constructMachine(): Machine {
  return new Machine({ cpus: 1 }).process({ vcpus: 1 }, idle);
}
