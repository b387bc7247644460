/**
 * The four execution models every host benchmark runs under: one CPU, one vCPU (or one
 * kernel thread per green thread under 1:1). The default configuration of the library
 * is the first, M:N with scheduler activations.
 */
import type { ProcessOptions } from '../../src/index';

export interface BenchConfig {
  /** Short name used in case names and tables. */
  readonly id: 'sa' | 'n1' | 'mn' | '11';
  readonly title: string;
  readonly process: ProcessOptions;
}

export const CONFIGS: readonly BenchConfig[] = [
  { id: 'sa', title: 'M:N with activations (default)', process: { vcpus: 1 } },
  { id: 'n1', title: 'N:1', process: { vcpus: 1, mapping: 'N:1' } },
  { id: 'mn', title: 'M:N on kernel threads', process: { vcpus: 1, activations: false } },
  { id: '11', title: '1:1', process: { vcpus: 1, mapping: '1:1' } },
];

export const DEFAULT_CONFIG = CONFIGS[0] as BenchConfig;

export function configById(id: string): BenchConfig {
  const c = CONFIGS.find((x) => x.id === id);
  if (c === undefined) throw new Error(`bench: unknown configuration '${id}' (known: ${CONFIGS.map((x) => x.id).join(', ')})`);
  return c;
}
