/**
 * Quickstart: the example shown in README.md (kept verbatim there, below this comment;
 * a test checks it). 100 threads each compute 1 us and bump a counter under a mutex,
 * on 4 vCPUs of a 4-CPU machine. Run it with `npx tsx examples/quickstart.ts`.
 */
import { Machine, Mutex, compute, join, spawn } from '../src/index';
import type { Code, Thread } from '../src/index';

const m = new Machine({ cpus: 4, preset: 'modern', seed: 7 });
m.process({ mapping: 'M:N', activations: true, vcpus: 4, policy: 'fifo' }, function* main(): Code<number> {
  const lock = new Mutex('counter');
  let counter = 0;
  function* worker(id: number): Code<number> {
    yield* compute(1_000); // 1 us of simulated work, interruptible
    yield* lock.lock();
    counter += 1;
    yield* lock.unlock();
    return id;
  }
  const kids: Thread<number>[] = [];
  for (let i = 0; i < 100; i++) kids.push(yield* spawn(worker, i));
  for (const k of kids) yield* join(k);
  return counter;
});
const report = m.run(); // simulated time, per-thread and per-vCPU figures, counters, trace hash

console.log(`${report.outcome.kind}: counter = ${String(report.processes[0]?.mainResult)}, end time ${report.endTime} ns`);
console.log(`vCPU utilization: ${report.processes[0]?.vcpus.map((v) => v.utilization.toFixed(2)).join(' ')}`);
console.log(`thread switches ${report.counts.threadSwitches}, upcalls ${report.counts.upcalls}, trace hash ${report.traceHash}`);
