/**
 * The mapping variants a law must hold under (fault, deadlock and end tests, the isolation
 * fuzzer and the soak): M:N with activations (prevent and recover), M:N on kernel threads, N:1,
 * 1:1 and heavyweight 1:1. Each runs on two vCPUs where the mapping allows it.
 */
import type { ProcessOptions } from '../src/index';

export const MAPPINGS: readonly (readonly [string, ProcessOptions])[] = [
  ['M:N with activations', { vcpus: 2 }],
  ['M:N with activations, recover', { vcpus: 2, criticalSections: 'recover' }],
  ['M:N on kernel threads', { vcpus: 2, activations: false }],
  ['N:1', { mapping: 'N:1' }],
  ['1:1', { vcpus: 2, mapping: '1:1' }],
  ['1:1 heavyweight', { vcpus: 2, mapping: '1:1', heavyweight: true }],
];
