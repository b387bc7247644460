/**
 * Readers and writers over a shared record guarded by a RwLock. A writer updates the
 * record's two fields with simulated work in between, so a reader that ran during a
 * write would see the fields disagree (a half-written record). Readers hold the lock
 * while they work, so several of them overlap in simulated time on different vCPUs.
 *
 * Checked while running:
 *  - while a writer holds the lock, no reader and no other writer holds it;
 *  - every read sees a consistent record (a === b, and version matches both);
 *  - maxReaders records the largest number of readers holding the lock at once.
 * Run it alone with `npx tsx examples/readers-writers.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Machine, RwLock, compute, join, spawn } from '../src/index';
import type { Code, PolicyOption, Report, Thread } from '../src/index';

export interface RwOptions {
  readonly readers?: number;
  readonly writers?: number;
  /** Lock acquisitions per reader. Default 5. */
  readonly readsEach?: number;
  /** Lock acquisitions per writer. Default 3. */
  readonly writesEach?: number;
  /** Simulated ns a reader holds the read lock. Default 500. */
  readonly readNs?: number;
  /** Simulated ns between a writer's two field stores. Default 300. */
  readonly writeNs?: number;
  /** vCPUs of the process. Default 4. */
  readonly vcpus?: number;
  /** Physical CPUs. Default 4. */
  readonly cpus?: number;
  readonly policy?: PolicyOption;
  readonly seed?: number;
  /**
   * Negative control: skip every lock operation. The checks must then report torn
   * reads and exclusion violations; a test uses it to show they are not vacuous.
   */
  readonly unsynchronized?: boolean;
}

export interface RwResult {
  readonly report: Report;
  /** Largest number of readers inside at the same time. */
  readonly maxReaders: number;
  /** Largest number of writers inside at the same time (1 when exclusive). */
  readonly maxWriters: number;
  /** Times a writer was inside together with readers or another writer. */
  readonly exclusionViolations: number;
  /** Reads that saw a half-written record. */
  readonly tornReads: number;
  readonly reads: number;
  readonly writes: number;
  /** The record's final version: writers * writesEach when no write was lost. */
  readonly finalVersion: number;
}

export function readersWriters(opts: RwOptions = {}): RwResult {
  const nReaders = opts.readers ?? 6;
  const nWriters = opts.writers ?? 2;
  const readsEach = opts.readsEach ?? 5;
  const writesEach = opts.writesEach ?? 3;
  const readNs = opts.readNs ?? 500;
  const writeNs = opts.writeNs ?? 300;
  const locking = opts.unsynchronized !== true;

  const record = { version: 0, a: 0, b: 0 };
  let readersIn = 0;
  let writersIn = 0;
  let maxReaders = 0;
  let maxWriters = 0;
  let exclusionViolations = 0;
  let tornReads = 0;
  let reads = 0;
  let writes = 0;

  function* reader(rw: RwLock, id: number): Code<number> {
    let seen = 0;
    for (let k = 0; k < readsEach; k++) {
      if (locking) yield* rw.readLock();
      readersIn++;
      maxReaders = Math.max(maxReaders, readersIn);
      if (writersIn > 0) exclusionViolations++;
      const a = record.a;
      const version = record.version;
      yield* compute(readNs); // read the rest of the record slowly
      const b = record.b;
      if (a !== b || a !== version * 10) tornReads++;
      seen = Math.max(seen, version);
      reads++;
      readersIn--;
      if (locking) yield* rw.readUnlock();
      yield* compute(50 + 10 * id); // think
    }
    return seen;
  }

  function* writer(rw: RwLock, id: number): Code<number> {
    for (let k = 0; k < writesEach; k++) {
      yield* compute(200 + 100 * id); // prepare the update
      if (locking) yield* rw.writeLock();
      writersIn++;
      maxWriters = Math.max(maxWriters, writersIn);
      if (writersIn > 1 || readersIn > 0) exclusionViolations++;
      const v = record.version + 1;
      record.a = v * 10;
      yield* compute(writeNs); // the record is half-written here
      record.b = v * 10;
      record.version = v;
      writes++;
      writersIn--;
      if (locking) yield* rw.writeUnlock();
    }
    return writesEach;
  }

  function* main(): Code<number> {
    const rw = new RwLock('record');
    const ts: Thread<number>[] = [];
    for (let i = 0; i < nReaders; i++) ts.push(yield* spawn(reader, rw, i));
    for (let i = 0; i < nWriters; i++) ts.push(yield* spawn(writer, rw, i));
    for (const t of ts) yield* join(t);
    return record.version;
  }

  const m = new Machine({ cpus: opts.cpus ?? 4, seed: opts.seed ?? 7 });
  m.process({ vcpus: opts.vcpus ?? 4, policy: opts.policy ?? 'fifo' }, main);
  const report = m.run();
  return { report, maxReaders, maxWriters, exclusionViolations, tornReads, reads, writes, finalVersion: record.version };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = readersWriters();
  console.log(`outcome: ${r.report.outcome.kind}, end time ${r.report.endTime} ns`);
  console.log(`${r.reads} reads, ${r.writes} writes, final version ${r.finalVersion}`);
  console.log(`max concurrent readers ${r.maxReaders}, max concurrent writers ${r.maxWriters}, exclusion violations ${r.exclusionViolations}, torn reads ${r.tornReads}`);
}
