/**
 * `npm run demo`: runs the four examples and prints, for each, what the program
 * computed and what happened in simulated time: end time, threads, thread switches,
 * upcalls, preemptions and the utilization of each vCPU. Every figure comes from the
 * simulation; running the demo twice prints the same numbers (and trace hashes).
 */
import type { Report } from '../src/index';
import { boundedBuffer } from './bounded-buffer';
import { parallelSumScaling } from './parallel-sum';
import { readersWriters } from './readers-writers';
import { threadHello } from './thread-hello';

function heading(title: string): void {
  console.log(`\n=== ${title} ${'='.repeat(Math.max(0, 74 - title.length))}`);
}

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function ns(x: number): string {
  return `${x.toLocaleString('en-US')} ns`;
}

/** The run figures every example prints. */
function summary(r: Report): void {
  const p = r.processes[0];
  if (p === undefined) return;
  const c = r.counts;
  console.log(`  outcome ${r.outcome.kind}, end time ${ns(r.endTime)}, trace hash ${r.traceHash}`);
  console.log(`  ${p.threads.length} threads, ${c.threadSwitches} thread switches, ${plural(c.upcalls, 'upcall')}, ` +
    `${plural(c.preemptions, 'preemption')}, ${plural(c.interrupts, 'interrupt')}, ${c.kernelCrossings} kernel crossings, ` +
    `${c.instructions.toLocaleString('en-US')} instructions`);
  console.log(`  vCPU utilization: ${p.vcpus.map((v) => `v${v.vcpu}@cpu${v.cpu} ${pct(v.utilization)}`).join(', ')}`);
  if (r.outcome.kind !== 'completed') console.log(`  NOTE: ${JSON.stringify(r.outcome)}`);
}

function check(what: string, ok: boolean): void {
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) process.exitCode = 1;
}

// 1. threadHello ----------------------------------------------------------------------
{
  heading('threadHello: 10 threads, 4 vCPUs on 4 CPUs, FIFO run queue');
  const { report, lines, returned } = threadHello();
  for (const l of lines) console.log(`  [${String(l.time).padStart(6)} ns] ${l.text}`);
  summary(report);
  check('threads returned 100..109 in join order', returned.join() === Array.from({ length: 10 }, (_, i) => 100 + i).join());
  const t = report.processes[0]?.threads ?? [];
  console.log('  per thread (run / ready / blocked ns, switches):');
  console.log(`    ${t.map((x) => `${x.name}#${x.id} ${x.runTime}/${x.readyTime}/${x.blockedTime} x${x.switches}`).join(', ')}`);
}

// 2. bounded buffer ---------------------------------------------------------------------
{
  heading('bounded buffer: 1 producer, 1 consumer, capacity 3, 20 items, Mutex + 2 Conds');
  const r = boundedBuffer();
  console.log(`  consumed: ${r.consumed.join(' ')}`);
  console.log(`  max occupancy ${r.maxOccupancy} of ${r.capacity}; producer found it full ${r.producerWaits} times, consumer found it empty ${r.consumerWaits} times`);
  summary(r.report);
  check('consumed exactly 1..20 in order (FIFO)', r.consumed.join() === Array.from({ length: 20 }, (_, i) => i + 1).join());
  check(`occupancy never above ${r.capacity}`, r.maxOccupancy <= r.capacity);
}

// 3. readers-writers --------------------------------------------------------------------
{
  heading('readers-writers: 6 readers x 5 reads, 2 writers x 3 writes, RwLock, 4 vCPUs');
  const r = readersWriters();
  console.log(`  ${r.reads} reads, ${r.writes} writes, final record version ${r.finalVersion}`);
  console.log(`  most readers inside at once ${r.maxReaders}, most writers inside at once ${r.maxWriters}`);
  summary(r.report);
  check('readers overlapped (more than one reader inside at once)', r.maxReaders > 1);
  check('writers exclusive (never with a reader or another writer)', r.maxWriters === 1 && r.exclusionViolations === 0);
  check('no reader saw a half-written record', r.tornReads === 0);
}

// 4. parallel sum -----------------------------------------------------------------------
{
  heading('parallel sum of 1..1,000,000 in 16 chunks (2 ns per element), 4 CPUs');
  const { runs, speedup } = parallelSumScaling([1, 2, 4]);
  for (const [i, r] of runs.entries()) {
    console.log(`\n  ${r.vcpus} vCPU(s): sum ${r.sum} (expected ${r.expected}), speedup over 1 vCPU ${speedup[i]!.toFixed(2)}x`);
    summary(r.report);
  }
  console.log('');
  check('every run computed n(n+1)/2', runs.every((r) => r.sum === r.expected));
  check('4 vCPUs finish before 2, and 2 before 1', runs[2]!.report.endTime < runs[1]!.report.endTime && runs[1]!.report.endTime < runs[0]!.report.endTime);
}
