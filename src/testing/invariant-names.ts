/**
 * The names of the step-level invariants (checked by src/testing/invariants.ts), kept
 * apart so configuration can validate them without loading the checker.
 */
export const INVARIANTS: readonly string[] = [
  'one-context-per-vcpu', 'no-double-slot', 'no-upcall-while-disabled', 'crit-implies-disabled',
  'runqueue-well-formed', 'activations-equal-vcpus',
];
