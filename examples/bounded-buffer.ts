/**
 * Producer/consumer over a bounded buffer of capacity 3, built from one Mutex and two
 * condition variables (notFull, notEmpty), as in the classic monitor solution. The
 * producer is faster than the consumer, so the buffer fills and the producer waits on
 * notFull; the consumer waits on notEmpty whenever it drains the buffer.
 *
 * Checked while running (inside the critical section, with the mutex held):
 *  - occupancy never exceeds the capacity (recorded as maxOccupancy);
 *  - items leave in the order they entered (the consumer records them; with one
 *    producer sending 1..items, FIFO means the consumer sees exactly 1..items).
 * Run it alone with `npx tsx examples/bounded-buffer.ts`.
 */
import { pathToFileURL } from 'node:url';
import { Cond, Machine, Mutex, compute, join, spawn } from '../src/index';
import type { Code, PolicyOption, Report } from '../src/index';

export interface BufferOptions {
  /** Items to send. Default 20. */
  readonly items?: number;
  /** Buffer capacity. Default 3. */
  readonly capacity?: number;
  /** Simulated ns the producer works per item. Default 100. */
  readonly produceNs?: number;
  /** Simulated ns the consumer works per item. Default 400. */
  readonly consumeNs?: number;
  /** vCPUs of the process. Default 2. */
  readonly vcpus?: number;
  /** Physical CPUs. Default 4. */
  readonly cpus?: number;
  readonly policy?: PolicyOption;
  readonly seed?: number;
}

export interface BufferResult {
  readonly report: Report;
  /** Items in the order the consumer took them. */
  readonly consumed: readonly number[];
  /** Largest number of items ever in the buffer. */
  readonly maxOccupancy: number;
  readonly capacity: number;
  /** Times the producer found the buffer full / the consumer found it empty. */
  readonly producerWaits: number;
  readonly consumerWaits: number;
}

export function boundedBuffer(opts: BufferOptions = {}): BufferResult {
  const items = opts.items ?? 20;
  const capacity = opts.capacity ?? 3;
  const produceNs = opts.produceNs ?? 100;
  const consumeNs = opts.consumeNs ?? 400;

  const buffer: number[] = [];
  const consumed: number[] = [];
  let maxOccupancy = 0;
  let producerWaits = 0;
  let consumerWaits = 0;

  function* producer(lock: Mutex, notFull: Cond, notEmpty: Cond): Code<number> {
    for (let i = 1; i <= items; i++) {
      yield* compute(produceNs); // make item i
      yield* lock.lock();
      while (buffer.length === capacity) {
        producerWaits++;
        yield* notFull.wait(lock);
      }
      buffer.push(i);
      maxOccupancy = Math.max(maxOccupancy, buffer.length);
      yield* notEmpty.signal();
      yield* lock.unlock();
    }
    return items;
  }

  function* consumer(lock: Mutex, notFull: Cond, notEmpty: Cond): Code<number> {
    for (let k = 0; k < items; k++) {
      yield* lock.lock();
      while (buffer.length === 0) {
        consumerWaits++;
        yield* notEmpty.wait(lock);
      }
      const item = buffer.shift() as number;
      consumed.push(item);
      yield* notFull.signal();
      yield* lock.unlock();
      yield* compute(consumeNs); // use the item
    }
    return consumed.length;
  }

  function* main(): Code<number> {
    const lock = new Mutex('buffer');
    const notFull = new Cond('notFull');
    const notEmpty = new Cond('notEmpty');
    const c = yield* spawn(consumer, lock, notFull, notEmpty);
    const p = yield* spawn(producer, lock, notFull, notEmpty);
    yield* join(p);
    return yield* join(c);
  }

  const m = new Machine({ cpus: opts.cpus ?? 4, seed: opts.seed ?? 7 });
  m.process({ vcpus: opts.vcpus ?? 2, policy: opts.policy ?? 'fifo' }, main);
  const report = m.run();
  return { report, consumed, maxOccupancy, capacity, producerWaits, consumerWaits };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = boundedBuffer();
  console.log(`outcome: ${r.report.outcome.kind}, end time ${r.report.endTime} ns`);
  console.log(`consumed: ${r.consumed.join(' ')}`);
  console.log(`max occupancy ${r.maxOccupancy} of ${r.capacity}; producer waited ${r.producerWaits} times, consumer ${r.consumerWaits} times`);
}
