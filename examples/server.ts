/**
 * An I/O-bound server, run unchanged on every mapping of green threads onto the kernel.
 *
 * Structure: thread per request. The main thread is the acceptor: request i arrives at
 * a fixed time on a schedule (a deterministic, uneven inter-arrival gap); main sleeps
 * until that time and spawns a handler thread for the request, then joins every handler.
 * Each handler:
 *   1. computes 20 us (parse the request);
 *   2. reads 4-16 KiB from the disk (a blocking read; the disk is one FIFO queue,
 *      ~100 us + 1 us/KiB per request in the 'modern' preset);
 *   3. takes the one shared Mutex and computes 5 us inside it (updates a shared cache:
 *      a hit count per key, key = request number mod 8);
 *   4. computes 30 us (builds the response);
 *   5. records its latency: completion time minus the request's scheduled arrival
 *      time, both from the simulated clock. Scheduling from the arrival time (not from
 *      when main got round to spawning the handler) means a stalled acceptor counts
 *      against the mapping, as a request waiting in the listen queue would.
 *
 * `runServer()` builds one Machine per configuration, all the same size and seed
 * (4 CPUs, seed 7, 'modern' costs): '1:1', 'N:1', plain 'M:N', 'M:N' with scheduler
 * activations, and '1:1' heavyweight processes (the Ultrix-style column). It returns,
 * per configuration, the simulated end time, mean and p99 latency, CPU utilization,
 * kernel crossings, upcalls and switches, and checks that every configuration served
 * the same requests with the same outcome (bytes read per request, the cache).
 *
 * CPU utilization here is machine-wide: the simulated ns the process's kernel entities
 * (vCPUs, kernel threads) held a CPU, summed, over (machine CPUs x end time). It counts
 * everything done on the CPU (thread work, the runtime, kernel paths, spinning), so it
 * says how much of the 4-CPU machine the mapping occupied, not how much of it was
 * useful; N:1 can never exceed 25% on 4 CPUs.
 * Run it alone with `npx tsx examples/server.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Machine, Mutex, PRESETS, compute, join, now, read, sleep, spawn } from '../src/index';
import type { Code, ProcessOptions, Report, Thread } from '../src/index';

export interface ServerOptions {
  /** Requests to serve. Default 48. */
  readonly requests?: number;
  /** Mean gap between request arrivals (ns). Default 120,000. */
  readonly meanGapNs?: number;
  /** Parse time per request (ns). Default 20,000. */
  readonly parseNs?: number;
  /** Time inside the shared cache's critical section (ns). Default 5,000. */
  readonly criticalNs?: number;
  /** Response time per request after the read (ns). Default 30,000. */
  readonly respondNs?: number;
  /** Physical CPUs of every machine. Default 4. */
  readonly cpus?: number;
  /** Seed of every machine. Default 7. */
  readonly seed?: number;
}

export interface ServerConfig {
  /** Label used in the table. */
  readonly label: string;
  readonly process: ProcessOptions;
}

/** What the server computed: must be the same under every mapping. */
export interface ServerOutcome {
  /** Bytes the disk returned, per request (index = request number). */
  readonly bytesPerRequest: readonly number[];
  readonly totalBytes: number;
  /** Times the shared cache was updated (once per request, under the mutex). */
  readonly cacheUpdates: number;
  /** The shared cache: hits per key, keys sorted. */
  readonly cache: readonly (readonly [number, number])[];
}

export interface ServerRow {
  readonly label: string;
  readonly process: ProcessOptions;
  readonly report: Report;
  readonly outcome: ServerOutcome;
  /** Simulated end time of the run (ns). */
  readonly endTime: number;
  /** Per-request latency (ns), index = request number. */
  readonly latencies: readonly number[];
  readonly meanLatency: number;
  /** 99th percentile latency (nearest rank). */
  readonly p99Latency: number;
  /** Mean time from a request's arrival to main having spawned its handler (ns). */
  readonly meanAcceptDelay: number;
  /** Sum of the process's vCPU/kernel-thread busy time / (machine CPUs x endTime). */
  readonly cpuUtilization: number;
  readonly kernelCrossings: number;
  readonly upcalls: number;
  readonly threadSwitches: number;
  readonly kernelSwitches: number;
}

export interface ServerComparison {
  readonly rows: readonly ServerRow[];
  /** Every configuration completed with the same outcome. */
  readonly agree: boolean;
  readonly requests: number;
  readonly cpus: number;
  readonly seed: number;
  /** Total disk service time of all requests (latency + transfer, 'modern' costs), ns. */
  readonly diskNs: number;
  /** Total application compute of all requests (parse + critical section + response), ns. */
  readonly computeNs: number;
}

/** The five configurations compared, all with 4 vCPUs where the mapping allows. */
export const SERVER_CONFIGS: readonly ServerConfig[] = [
  { label: '1:1', process: { mapping: '1:1', vcpus: 4 } },
  { label: 'N:1', process: { mapping: 'N:1' } },
  { label: 'M:N', process: { mapping: 'M:N', activations: false, vcpus: 4 } },
  { label: 'M:N + activations', process: { mapping: 'M:N', activations: true, vcpus: 4 } },
  { label: '1:1 heavyweight', process: { mapping: '1:1', heavyweight: true, vcpus: 4 } },
];

/** Request i's read size: 4..16 KiB, a fixed pattern (not random). */
export function requestBytes(i: number): number {
  return (4 + ((i * 7) % 13)) * 1024;
}

/** Arrival times (ns): gaps cycle through 0.25x..1.75x the mean gap (a fixed pattern averaging 1x). */
export function arrivalTimes(requests: number, meanGapNs: number): number[] {
  const factors = [1, 0.25, 1.75, 0.5, 1.5, 0.75, 1.25]; // mean 1
  const out: number[] = [];
  let t = 0;
  for (let i = 0; i < requests; i++) {
    t += Math.round(meanGapNs * factors[i % factors.length]!);
    out.push(t);
  }
  return out;
}

function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

/** Run the server on one machine with the given process options. */
export function serveOn(config: ServerConfig, opts: ServerOptions = {}): ServerRow {
  const requests = opts.requests ?? 48;
  const parseNs = opts.parseNs ?? 20_000;
  const criticalNs = opts.criticalNs ?? 5_000;
  const respondNs = opts.respondNs ?? 30_000;
  const cpus = opts.cpus ?? 4;
  const arrivals = arrivalTimes(requests, opts.meanGapNs ?? 120_000);

  const latencies: number[] = new Array<number>(requests).fill(-1);
  const acceptDelays: number[] = [];

  function* main(): Code<ServerOutcome> {
    const cacheLock = new Mutex('cache');
    const cache = new Map<number, number>();
    let cacheUpdates = 0;

    function* handle(id: number, arrival: number): Code<number> {
      yield* compute(parseNs); // parse the request
      const got = yield* read(requestBytes(id)); // fetch the file: blocks in the kernel
      yield* cacheLock.lock();
      yield* compute(criticalNs); // update the shared cache
      const key = id % 8;
      cache.set(key, (cache.get(key) ?? 0) + 1);
      cacheUpdates++;
      yield* cacheLock.unlock();
      yield* compute(respondNs); // build and send the response
      latencies[id] = (yield* now()) - arrival;
      return got;
    }

    const handlers: Thread<number>[] = [];
    for (let i = 0; i < requests; i++) {
      const due = arrivals[i]!;
      const t = yield* now();
      if (due > t) yield* sleep(due - t); // wait for the next request to arrive
      handlers.push(yield* spawn(handle, i, due));
      acceptDelays.push((yield* now()) - due);
    }
    const bytesPerRequest: number[] = [];
    for (const h of handlers) bytesPerRequest.push(yield* join(h));
    return {
      bytesPerRequest,
      totalBytes: bytesPerRequest.reduce((a, b) => a + b, 0),
      cacheUpdates,
      cache: [...cache.entries()].sort((a, b) => a[0] - b[0]),
    };
  }

  const m = new Machine({ cpus, seed: opts.seed ?? 7 });
  m.process(config.process, main);
  const report = m.run();
  const p = report.processes[0]!;
  const busy = p.vcpus.reduce((a, v) => a + v.busy, 0);
  const done = latencies.filter((x) => x >= 0);
  return {
    label: config.label,
    process: config.process,
    report,
    outcome: p.mainResult as ServerOutcome,
    endTime: report.endTime,
    latencies,
    meanLatency: done.length === 0 ? 0 : done.reduce((a, b) => a + b, 0) / done.length,
    p99Latency: percentile(done, 99),
    meanAcceptDelay: acceptDelays.length === 0 ? 0 : acceptDelays.reduce((a, b) => a + b, 0) / acceptDelays.length,
    cpuUtilization: report.endTime > 0 ? busy / (cpus * report.endTime) : 0,
    kernelCrossings: report.counts.kernelCrossings,
    upcalls: report.counts.upcalls,
    threadSwitches: report.counts.threadSwitches,
    kernelSwitches: report.counts.kernelSwitches,
  };
}

/** Run the same server on every configuration (default: SERVER_CONFIGS) and compare. */
export function runServer(opts: ServerOptions & { readonly configs?: readonly ServerConfig[] } = {}): ServerComparison {
  const rows = (opts.configs ?? SERVER_CONFIGS).map((c) => serveOn(c, opts));
  const first = JSON.stringify(rows[0]?.outcome);
  const agree = rows.every((r) => r.report.outcome.kind === 'completed' && r.latencies.every((x) => x >= 0) && JSON.stringify(r.outcome) === first);
  const requests = opts.requests ?? 48;
  const costs = PRESETS['modern']!.costs;
  let diskNs = 0;
  for (let i = 0; i < requests; i++) diskNs += costs.diskLatency + Math.ceil(requestBytes(i) * (costs.diskPerKiB / 1024));
  const computeNs = requests * ((opts.parseNs ?? 20_000) + (opts.criticalNs ?? 5_000) + (opts.respondNs ?? 30_000));
  return { rows, agree, requests, cpus: opts.cpus ?? 4, seed: opts.seed ?? 7, diskNs, computeNs };
}

/** The comparison as an aligned table, units in the header. */
export function serverTable(c: ServerComparison): string[] {
  const head = ['mapping', 'end time (us)', 'mean lat (us)', 'p99 lat (us)', 'CPU util (%)', 'kernel crossings', 'upcalls', 'thread sw', 'kernel sw'];
  const us = (x: number): string => (x / 1000).toFixed(1);
  const body = c.rows.map((r) => [
    r.label, us(r.endTime), us(r.meanLatency), us(r.p99Latency), (100 * r.cpuUtilization).toFixed(1),
    String(r.kernelCrossings), String(r.upcalls), String(r.threadSwitches), String(r.kernelSwitches),
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string => cells.map((x, i) => (i === 0 ? x.padEnd(w[i]!) : x.padStart(w[i]!))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...body.map(line)];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const c = runServer();
  for (const l of serverTable(c)) console.log(l);
  console.log(`results agree across mappings: ${c.agree}`);
}
