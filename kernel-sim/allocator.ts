/**
 * The processor allocator (Anderson et al.): space-sharing of the physical CPUs among
 * processes. Each process states a demand (how many processors it can use); the CPUs
 * are split evenly among the demanding processes, and what a process does not need is
 * split among the rest (water-filling, one CPU at a time in process order). A CPU is
 * never left idle while some process's demand is unmet.
 *
 * Invariants:
 *  1. sum(shares) <= cpus and share_p <= demand_p for every process.
 *  2. If sum(demands) >= cpus then sum(shares) == cpus (no idle CPU while work exists).
 *  3. Shares differ by at most one among processes whose demand is not met.
 *  4. Deterministic: ties go to the lower process index.
 */

/** Water-filling split of `cpus` processors over `demands` (one entry per live process). */
export function shares(cpus: number, demands: readonly number[]): number[] {
  const out = demands.map(() => 0);
  let left = cpus;
  let progress = true;
  while (left > 0 && progress) {
    progress = false;
    for (let i = 0; i < demands.length && left > 0; i++) {
      if ((out[i] as number) < (demands[i] as number)) {
        out[i] = (out[i] as number) + 1;
        left--;
        progress = true;
      }
    }
  }
  return out;
}
