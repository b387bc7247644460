/**
 * `npm run demo`: runs the examples and prints, for each, what the program
 * computed and what happened in simulated time: end time, threads, thread switches,
 * upcalls, preemptions and the utilization of each vCPU. The last section runs the
 * I/O-bound server of examples/server.ts on every mapping and prints the comparison, then
 * three workloads where the mappings differ for the reasons the lectures give
 * (examples/models.ts); the last explores two race windows with upcall/testing.
 * Every figure comes from the simulation; running the demo twice prints the same
 * numbers (and trace hashes).
 */
import type { Report } from '../src/index';
import { boundedBuffer } from './bounded-buffer';
import { parallelSumScaling } from './parallel-sum';
import { readersWriters } from './readers-writers';
import { runServer, serverTable } from './server';
import { blockedCalls, modelTable, multiprogrammed, pageFaults } from './models';
import type { ModelCase, ModelRow } from './models';
import { threadHello } from './thread-hello';
import { bank } from './race-bank';
import { resumeRace } from './race-resume';
import { exhaustive, explore, formatExplore, pct as pctStrategy, random } from '../src/testing/index';

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

/** Print text as a bullet, wrapped at 100 columns. */
function bullet(text: string): void {
  const words = text.split(' ');
  let line = '  -';
  for (const w of words) {
    if (line.length + 1 + w.length > 100 && line.trim() !== '-') {
      console.log(line);
      line = '   ';
    }
    line += ` ${w}`;
  }
  console.log(line);
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

// 5. the mappings compared on an I/O-bound server -----------------------------------------
{
  heading('I/O-bound server on every mapping: 48 requests, 4 CPUs, seed 7');
  const c = runServer();
  console.log('  thread per request; each: parse 20 us, read 4-16 KiB, 5 us under one shared Mutex, respond 30 us');
  console.log('  CPU util = busy ns of the process\'s vCPUs / kernel threads / (4 CPUs x end time)\n');
  for (const l of serverTable(c)) console.log(`  ${l}`);
  console.log('');
  const row = (label: string): NonNullable<(typeof c.rows)[number]> => {
    const r = c.rows.find((x) => x.label === label);
    if (r === undefined) throw new Error(`demo: no server row '${label}'`);
    return r;
  };
  const one = row('1:1');
  const n1 = row('N:1');
  const mn = row('M:N');
  const sa = row('M:N + activations');
  const hw = row('1:1 heavyweight');
  const us = (x: number): string => (x / 1000).toFixed(0);
  const x = (a: number, b: number): string => (a / b).toFixed(2);
  const perReq = (n: number): string => (n / c.requests).toFixed(1);
  bullet(`N:1 takes ${x(n1.endTime, sa.endTime)}x as long as M:N with activations (${us(n1.endTime)} vs ${us(sa.endTime)} us), ` +
    `with ${x(n1.meanLatency, sa.meanLatency)}x the mean latency: every read stalls the whole process, so the ` +
    `${us(c.diskNs)} us of disk and ${us(c.computeNs)} us of compute add up (${us(c.diskNs + c.computeNs)} us) instead of overlapping.`);
  bullet(`Plain M:N ends within ${us(Math.abs(mn.endTime - sa.endTime))} us of M:N with activations (mean latency ${us(mn.meanLatency)} vs ${us(sa.meanLatency)} us): ` +
    `here the one FIFO disk, not the processors, limits both. A read holds one of plain M:N's 4 kernel threads and its CPU, which costs only ` +
    `when blocked reads outnumber kernel threads (test/src/mappings.test.ts shows that case); with activations the vCPU gets a blocked upcall ` +
    `and runs the next thread (${sa.upcalls} upcalls, ${perReq(sa.upcalls)} per request), paying ${perReq(sa.kernelCrossings)} kernel crossings per request against ${perReq(mn.kernelCrossings)}. ` +
    `Plain M:N holds ${(100 * mn.cpuUtilization).toFixed(0)}% of the machine to do the same work: its idle kernel threads cannot tell the kernel they are idle, ` +
    `so they poll their ready lists for up to a quantum before blocking (activations give an idle vCPU back: ${(100 * sa.cpuUtilization).toFixed(0)}%).`);
  bullet(`1:1 nearly matches activations (${us(one.endTime)} vs ${us(sa.endTime)} us; mean latency ${us(one.meanLatency)} vs ${us(sa.meanLatency)} us): ` +
    `the one FIFO disk (${(100 * c.diskNs / sa.endTime).toFixed(0)}% busy), not the CPU, limits both. 1:1 pays ${perReq(one.kernelCrossings)} kernel crossings ` +
    `per request (thread create, read, exit, wake-ups, the acceptor's sleep); activations pay ${perReq(sa.kernelCrossings)}: the read and the recycling of its activation, ` +
    `plus, on a machine ${(100 * sa.cpuUtilization).toFixed(0)}% busy, vCPUs telling the kernel they are idle and being woken again.`);
  bullet(`Heavyweight processes end ${us(hw.endTime - one.endTime)} us after 1:1 with ${us(hw.meanLatency - one.meanLatency)} us more mean latency: ` +
    `a new process per request (the acceptor is ${us(hw.meanAcceptDelay)} us late vs ${us(one.meanAcceptDelay)} us) and an address-space switch ` +
    `per switch raise the CPU the server holds from ${(100 * one.cpuUtilization).toFixed(1)}% to ${(100 * hw.cpuUtilization).toFixed(1)}%.`);
  bullet(`N:1 makes the fewest kernel crossings (${n1.kernelCrossings}, ${perReq(n1.kernelCrossings)} per request): ` +
    `its thread operations never leave user level, only the reads do.`);
  console.log('');
  check(`every mapping served the same ${c.requests} requests with the same bytes (${c.rows[0]?.outcome.totalBytes}) and cache (${c.rows[0]?.outcome.cacheUpdates} updates)`, c.agree);
}

// 5b. why the mappings differ -------------------------------------------------------------------
{
  heading('why the mappings differ: multiprogramming, blocked calls, page faults (modern preset)');
  const us = (x: number): string => (x / 1000).toFixed(0);
  const get = (c: ModelCase, label: string): ModelRow => {
    const r = c.rows.find((x) => x.label === label);
    if (r === undefined) throw new Error(`demo: no row '${label}'`);
    return r;
  };
  const mp = multiprogrammed();
  console.log(`  ${mp.title}`);
  for (const l of modelTable(mp)) console.log(`    ${l}`);
  const mpSa = get(mp, 'M:N + activations');
  const mpMn = get(mp, 'M:N');
  const mp11 = get(mp, '1:1');
  bullet(`Time-sharing preempts lock holders, activations do not. The kernel time-shares the kernel threads of both copies a quantum ` +
    `at a time and cannot see who holds the SpinLock: plain M:N spins ${mpMn.spins.toLocaleString('en-US')} times and ends at ${us(mpMn.endTime)} us, ` +
    `1:1 (every thread a kernel thread) ${mp11.spins.toLocaleString('en-US')} times, ending at ${us(mp11.endTime)} us. With activations the allocator gives each copy ` +
    `2 of the 4 CPUs and never preempts a thread inside a critical section: ${us(mpSa.endTime)} us, close to the 12,000 us of pure work, with ${mpSa.spins.toLocaleString('en-US')} spins.`);
  console.log('');
  const bc = blockedCalls();
  console.log(`  ${bc.title}`);
  for (const l of modelTable(bc)) console.log(`    ${l}`);
  const bcSa = get(bc, 'M:N + activations');
  const bcMn = get(bc, 'M:N');
  const bcN1 = get(bc, 'N:1');
  const bc11 = get(bc, '1:1');
  bullet(`Blocked calls outnumber kernel threads. A thread blocked in the kernel holds its kernel thread: plain M:N has 4, so ` +
    `at most 4 of the 32 waits overlap (${us(bcMn.endTime)} us, about 32/4 x 1 ms), and N:1 has one (${us(bcN1.endTime)} us, the waits in sequence). ` +
    `With activations each block is a \`blocked\` upcall and the vCPU runs the next thread, so all 32 waits overlap (${us(bcSa.endTime)} us, ${bcSa.upcalls} upcalls); ` +
    `1:1 overlaps them too (${us(bc11.endTime)} us) but pays a kernel crossing for every thread operation (${bc11.crossings} crossings against ${bcSa.crossings}).`);
  console.log('');
  const pf = pageFaults();
  console.log(`  ${pf.title}`);
  for (const l of modelTable(pf)) console.log(`    ${l}`);
  const pfN1 = get(pf, 'N:1');
  const pfSa = get(pf, 'M:N + activations');
  bullet(`N:1 stalls on a page fault. Its one kernel thread waits for every page-in, so the faults and the computing add up ` +
    `(${us(pfN1.endTime)} us); with activations a fault is a \`blocked\` upcall and the crunchers go on (${us(pfSa.endTime)} us).`);
  console.log('');
  const same = (c: ModelCase): boolean => c.rows.every((r) => JSON.stringify(r.result) === JSON.stringify(c.rows[0]?.result));
  check('every mapping computed the same results in all three workloads', same(mp) && same(bc) && same(pf));
  check('multiprogrammed: activations finish first and spin least', mpSa.endTime < mpMn.endTime && mpSa.endTime < mp11.endTime && mpSa.spins < mpMn.spins / 10);
  check('blocked calls: activations overlap all 32 waits; plain M:N only 4 at a time; N:1 one', bcSa.endTime < 2_000_000 && bcMn.endTime > 7_000_000 && bcN1.endTime > 30_000_000);
  check('page faults: N:1 takes longest', pf.rows.every((r) => r === pfN1 || r.endTime < pfN1.endTime));
}

// 6. race testing ---------------------------------------------------------------------------
{
  heading('race testing: the resume window and a planted check-then-act bug');
  console.log('  (upcall/testing: explore(scenario, { strategy }); on the resume window a failure is the corruption');
  console.log('   itself, a lost thread, so the step-level invariants are off there; on the bank they are on)\n');
  const quiet = { invariants: false } as const;
  const off = explore(resumeRace({ unsafe: true }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), ...quiet });
  const on = explore(resumeRace({ unsafe: false }), { strategy: exhaustive({ bound: 1, windows: ['resume'] }), ...quiet });
  const p = explore(resumeRace({ unsafe: true }), { strategy: pctStrategy({ depth: 2, windows: ['resume'] }), runs: 300, ...quiet });
  const rnd = explore(resumeRace({ unsafe: true }), { strategy: random({ rate: 50_000 }), runs: 300, ...quiet });
  const b = explore(bank(), { strategy: pctStrategy({ depth: 2, windows: ['check'] }), runs: 100 });
  for (const [title, r] of [
    ['resume window, kernel PC-range check off (unsafeNoCritCheck):', off],
    ['the same window with the check on:', on],
    ['PCT, depth 2, on the resume window (check off):', p],
    ['random at a timer-like rate (one interrupt per 50,000 instructions), the baseline:', rnd],
    ['the bank (examples/race-bank.ts), PCT depth 2 on its window `check`:', b],
  ] as const) {
    console.log(`  ${title}`);
    for (const l of formatExplore(r).split('\n')) console.log(`    ${l}`);
    console.log('');
  }
  console.log('  where the exhaustive runs landed their interrupts (check off):');
  for (const l of off.coverage.format(['resume', 'run', 'sched', 'user']).split('\n')) console.log(`  ${l}`);
  console.log('');
  check('exhaustive finds the resume race with one interrupt', off.shrunk?.events === 1 && off.shrunk.replay === 's1;irq@main:resume+1');
  check(`with the check on, all ${String(on.stats.placements)} placements pass`, on.failures === 0 && on.runs === on.baseline.counted);
  check('PCT hit rate is at or above its per-run bound', p.failures > 0 && p.hitRate >= (p.stats.perRunBound as number));
  check('the bank bug shrinks to at most 2 events, and the failing string replays', (b.shrunk?.events ?? 9) <= 2 && b.deterministic === true);
}
