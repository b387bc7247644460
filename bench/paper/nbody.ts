/**
 * The N-body application of the paper experiments: a 2-D Barnes-Hut simulation written
 * as a threads program. Each step the main thread builds the quadtree, forks one task
 * per chunk of bodies (chunks are contiguous in Morton order, so a chunk's bodies are
 * near each other), joins them all, and integrates. A task computes the force on each
 * of its bodies by a real tree walk (opening angle theta); the walk's interactions are
 * charged as simulated compute. The bodies' records are the program's data, kept in its
 * own buffer cache when one is configured (Figure 2), in 512-byte pages (the VAX page
 * size, 16 records of 32 bytes): the walk reads the page of every body it meets one by
 * one (the near field; far cells are summarised by the tree, rebuilt in ordinary memory
 * every step). A hit costs one instruction; a miss blocks in the kernel for `missNs`
 * (delay(), which never queues: misses overlap) and evicts the least recently used page.
 *
 * The physics runs on the host in doubles, deterministically: every task writes only
 * its own bodies' accelerations and the integration is sequential, so the final state
 * (the checksum) is the same under every thread system and every schedule.
 *
 * Application costs (not machine primitives: they belong to this program on a CVAX):
 *  - interactionNs: one body-cell interaction: ~10 floating-point operations and a
 *    square root on the CVAX's floating-point unit, at a few us each; estimate 30 us;
 *  - buildNsPerLevel: inserting a body descends one tree level in ~5 instructions: 2 us;
 *  - integrateNs: updating one body's velocity and position: ~10 instructions: 4 us.
 */
import { compute, delay, join, now, spawn, step } from '../../src/index';
import type { Code, Thread } from '../../src/index';

export interface NBodyOptions {
  readonly bodies: number;
  readonly steps: number;
  /** Tasks (chunks of bodies, contiguous in Morton order) forked per step. Default: one per body. */
  readonly tasks?: number;
  readonly theta?: number;
  readonly interactionNs?: number;
  readonly buildNsPerLevel?: number;
  readonly integrateNs?: number;
  /** The buffer cache: the fraction of the program's pages that fit, and the cost of a miss. Absent: everything resident, no checks. */
  readonly memory?: { readonly fraction: number; readonly missNs: number };
  /** false: the sequential program (main runs every chunk itself, nothing forked). Default true. */
  readonly parallel?: boolean;
  readonly seed?: number;
}

export interface NBodyResult {
  /** A checksum of the final positions (equal under every thread system). */
  readonly checksum: number;
  /** Simulated ns from the start of the first step to the end of the last. */
  readonly elapsed: number;
  readonly interactions: number;
  readonly pages: number;
  readonly misses: number;
}

/** Bodies per page and tree cells per page (a 512-byte page of 32-byte records, 16 records). */
const PER_PAGE = 16;

/** A seeded generator (mulberry32): the simulator never reads Math.random. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Cell {
  x: number;
  y: number;
  size: number;
  mass: number;
  cx: number;
  cy: number;
  body: number;
  kids: number[] | null;
}

/** The program's state: bodies in Morton order, and the current tree. */
class World {
  readonly x: Float64Array;
  readonly y: Float64Array;
  readonly vx: Float64Array;
  readonly vy: Float64Array;
  readonly ax: Float64Array;
  readonly ay: Float64Array;
  readonly m: Float64Array;
  cells: Cell[] = [];
  depthSum = 0;


  constructor(readonly n: number, seed: number) {
    const r = rng(seed);
    const pts: { x: number; y: number; key: number }[] = [];
    for (let i = 0; i < n; i++) {
      const rad = Math.sqrt(r());
      const ang = 2 * Math.PI * r();
      const x = 0.5 + 0.45 * rad * Math.cos(ang);
      const y = 0.5 + 0.45 * rad * Math.sin(ang);
      pts.push({ x, y, key: morton(x, y) });
    }
    pts.sort((a, b) => a.key - b.key);
    this.x = Float64Array.from(pts, (p) => p.x);
    this.y = Float64Array.from(pts, (p) => p.y);
    this.vx = new Float64Array(n).map(() => (r() - 0.5) * 1e-3);
    this.vy = new Float64Array(n).map(() => (r() - 0.5) * 1e-3);
    this.ax = new Float64Array(n);
    this.ay = new Float64Array(n);
    this.m = new Float64Array(n).fill(1 / n);
  }

  /** Pages of the program's data kept in the buffer cache: its bodies' records. */
  get pages(): number {
    return this.bodyPages;
  }

  get bodyPages(): number {
    return Math.ceil(this.n / PER_PAGE);
  }

  build(): void {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (let i = 0; i < this.n; i++) {
      minX = Math.min(minX, this.x[i] as number);
      maxX = Math.max(maxX, this.x[i] as number);
      minY = Math.min(minY, this.y[i] as number);
      maxY = Math.max(maxY, this.y[i] as number);
    }
    const size = Math.max(maxX - minX, maxY - minY) * 1.0001 + 1e-9;
    const root: Cell = { x: minX, y: minY, size, mass: 0, cx: 0, cy: 0, body: -1, kids: null };
    this.cells = [root];
    this.depthSum = 0;
    for (let i = 0; i < this.n; i++) this.depthSum += this.insert(root, i, 0);
    this.summarize(root);
  }

  private insert(c: Cell, i: number, depth: number): number {
    if (depth > 40) return depth; // coincident bodies: keep them in one leaf
    if (c.kids === null && c.body < 0) {
      c.body = i;
      return depth;
    }
    if (c.kids === null) {
      const old = c.body;
      c.body = -1;
      c.kids = [];
      const h = c.size / 2;
      for (let q = 0; q < 4; q++) {
        this.cells.push({ x: c.x + (q & 1) * h, y: c.y + (q >> 1) * h, size: h, mass: 0, cx: 0, cy: 0, body: -1, kids: null });
        c.kids.push(this.cells.length - 1);
      }
      this.insert(this.child(c, old), old, depth + 1);
    }
    return this.insert(this.child(c, i), i, depth + 1);
  }

  private child(c: Cell, i: number): Cell {
    const h = c.size / 2;
    const q = ((this.x[i] as number) >= c.x + h ? 1 : 0) + ((this.y[i] as number) >= c.y + h ? 2 : 0);
    return this.cells[(c.kids as number[])[q] as number] as Cell;
  }

  private summarize(c: Cell): void {
    if (c.kids === null) {
      if (c.body >= 0) {
        c.mass = this.m[c.body] as number;
        c.cx = this.x[c.body] as number;
        c.cy = this.y[c.body] as number;
      }
      return;
    }
    let m = 0;
    let sx = 0;
    let sy = 0;
    for (const k of c.kids) {
      const d = this.cells[k] as Cell;
      this.summarize(d);
      m += d.mass;
      sx += d.mass * d.cx;
      sy += d.mass * d.cy;
    }
    c.mass = m;
    c.cx = m > 0 ? sx / m : 0;
    c.cy = m > 0 ? sy / m : 0;
  }

  /** The force on body i (written to ax, ay); returns the interactions and the pages read, in order. */
  walk(i: number, theta: number, pages: number[]): number {
    const seen = new Set<number>();
    const read = (p: number): void => {
      if (!seen.has(p)) {
        seen.add(p);
        pages.push(p);
      }
    };
    const xi = this.x[i] as number;
    const yi = this.y[i] as number;
    let ax = 0;
    let ay = 0;
    let count = 0;
    const stack: Cell[] = [this.cells[0] as Cell];
    while (stack.length > 0) {
      const c = stack.pop() as Cell;
      if (c.mass === 0) continue;
      const dx = c.cx - xi;
      const dy = c.cy - yi;
      const d2 = dx * dx + dy * dy + 1e-6;
      const leaf = c.kids === null;
      if (leaf && c.body === i) continue;
      if (leaf || (c.size * c.size) / d2 < theta * theta) {
        if (leaf) read(Math.floor(c.body / PER_PAGE));
        const inv = c.mass / (d2 * Math.sqrt(d2));
        ax += dx * inv;
        ay += dy * inv;
        count++;
      } else {
        for (const k of c.kids as number[]) stack.push(this.cells[k] as Cell);
      }
    }
    this.ax[i] = ax;
    this.ay[i] = ay;
    return count;
  }

  integrate(dt: number): void {
    for (let i = 0; i < this.n; i++) {
      this.vx[i] = (this.vx[i] as number) + dt * (this.ax[i] as number);
      this.vy[i] = (this.vy[i] as number) + dt * (this.ay[i] as number);
      this.x[i] = (this.x[i] as number) + dt * (this.vx[i] as number);
      this.y[i] = (this.y[i] as number) + dt * (this.vy[i] as number);
    }
  }

  checksum(): number {
    let h = 0;
    for (let i = 0; i < this.n; i++) h = (h * 31 + Math.round(((this.x[i] as number) + (this.y[i] as number)) * 1e9)) % 1_000_000_007;
    return h;
  }
}

function morton(x: number, y: number): number {
  const spread = (v: number): number => {
    let r = 0;
    const q = Math.min(65535, Math.max(0, Math.floor(v * 65536)));
    for (let b = 0; b < 16; b++) r += ((q >> b) & 1) * 2 ** (2 * b);
    return r;
  };
  return spread(x) + 2 * spread(y);
}

/**
 * The application's buffer cache: `capacity` pages with LRU replacement, shared by all
 * its threads (its bookkeeping is thread code between two instructions, so atomic).
 * It starts full with the first pages, as after the program loaded its data.
 */
class BufferCache {
  private readonly lru = new Map<number, true>();
  misses = 0;

  constructor(readonly capacity: number, pages: number, private readonly missNs: number) {
    for (let p = 0; p < Math.min(capacity, pages); p++) this.lru.set(p, true);
  }

  *touch(page: number): Code<void> {
    if (this.lru.has(page)) {
      this.lru.delete(page);
      this.lru.set(page, true);
      yield* step(); // the lookup: one instruction
      return;
    }
    this.misses++;
    yield* delay(this.missNs); // the miss blocks in the kernel (the paper's simulated I/O)
    if (this.lru.has(page)) return; // another thread brought it in meanwhile
    if (this.lru.size >= this.capacity) {
      const first = this.lru.keys().next();
      if (first.done !== true) this.lru.delete(first.value);
    }
    this.lru.set(page, true);
  }
}

/** The N-body program as a main thread (`out` receives the result when main returns). */
export function nbody(o: NBodyOptions, out: { result: NBodyResult | null }): () => Code<number> {
  const theta = o.theta ?? 0.5;
  const interactionNs = o.interactionNs ?? 30_000;
  const buildNs = o.buildNsPerLevel ?? 2_000;
  const integrateNs = o.integrateNs ?? 4_000;
  const parallel = o.parallel ?? true;
  return function* main(): Code<number> {
    const w = new World(o.bodies, o.seed ?? 1);
    const cache = o.memory === undefined ? null : new BufferCache(Math.max(1, Math.floor(o.memory.fraction * w.pages)), w.pages, o.memory.missNs);
    let interactions = 0;
    const tasks = o.tasks ?? o.bodies;
    const chunk = Math.ceil(o.bodies / tasks);
    function* task(from: number, to: number): Code<void> {
      const pages: number[] = [];
      for (let i = from; i < to; i++) {
        pages.length = 0;
        const n = w.walk(i, theta, pages);
        interactions += n;
        if (cache !== null) for (const p of pages) yield* cache.touch(p);
        yield* compute(n * interactionNs);
      }
    }
    const t0 = yield* now();
    for (let s = 0; s < o.steps; s++) {
      w.build();
      yield* compute(w.depthSum * buildNs + buildNs);
      if (parallel) {
        const kids: Thread<void>[] = [];
        for (let c = 0; c < tasks; c++) {
          const from = c * chunk;
          const to = Math.min(o.bodies, from + chunk);
          if (from < to) kids.push(yield* spawn(function* force(): Code<void> { yield* task(from, to); }));
        }
        for (const k of kids) yield* join(k);
      } else {
        yield* task(0, o.bodies);
      }
      w.integrate(0.01);
      yield* compute(o.bodies * integrateNs);
    }
    const t1 = yield* now();
    out.result = { checksum: w.checksum(), elapsed: t1 - t0, interactions, pages: w.pages, misses: cache?.misses ?? 0 };
    return out.result.checksum;
  };
}
