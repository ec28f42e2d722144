import { readFileSync, renameSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Registry } from 'prom-client';
import type { CollectorDeps } from '../../core/deps.js';
import { baselineProblem, type BaselineEdge, type BaselineFile } from './baseline-file.js';
import { removeStaleTemps } from './stale-temps.js';
import { BaselineLoadError, BaselineWriteError } from './errors.js';
import { edgeKey, type Identity } from './identity.js';
import { counter, gauge } from '../../core/metrics.js';

export interface BaselineConfig {
  /** Where the learned baseline lives; without it nothing is learned (allowlist-only mode). */
  readonly path?: string;
  readonly learningWindowMs: number;
  readonly maxEdges: number;
  /** Changes are written at most this often (and on close). */
  readonly persistIntervalMs: number;
  readonly now?: () => number;
}

export interface Verdict {
  readonly learning: boolean;
  readonly isNew: boolean;
}

export interface Baseline {
  /** Reads the file (or starts fresh) and writes the fresh state so the learning start survives a restart. */
  load(): Promise<void>;
  /** Classifies one edge; while learning it is added. Never does I/O. */
  observe(src: Identity, dst: Identity, port: number, proto: 'tcp' | 'udp'): Verdict;
  has(key: string): boolean;
  isLearning(): boolean;
  readonly size: number;
  readonly learningStartedMs: number | undefined;
  snapshot(): BaselineFile;
  /** Writes now if anything changed since the last write. Never rejects. */
  flush(): Promise<void>;
  /** Stops the debounce timer and writes what is pending. Idempotent. */
  close(): Promise<void>;
}

export const DEFAULT_LEARNING_WINDOW_MS = 24 * 3600_000;
export const DEFAULT_MAX_EDGES = 10_000;
export const DEFAULT_PERSIST_INTERVAL_MS = 5_000;

/**
 * The learned set of edges. Learning starts the first time the agent runs
 * with this file and lasts learningWindowMs; the start is persisted, so a
 * restart continues the same window instead of opening a new one.
 *
 * After the window an unknown edge is reported new and is deliberately NOT
 * added: it keeps being new on every connection (rule throttling bounds the
 * alerts) until someone allowlists it in a rule file or re-learns. Adding it
 * would make an attacker's connection "known" after its first alert.
 */
export function createBaseline(deps: CollectorDeps, cfg: BaselineConfig): Baseline {
  const now = cfg.now ?? Date.now;
  const metrics = registerMetrics(deps.registry);
  const edges = new Map<string, BaselineEdge>();
  const identities = new Map<string, Identity>();
  let startedMs: number | undefined;
  let loaded = false;
  let closed = false;
  let dirty = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let learningShown: boolean | undefined;

  const learningNow = (): boolean => cfg.path !== undefined && startedMs !== undefined && now() < startedMs + cfg.learningWindowMs;

  function showLearning(): boolean {
    const learning = learningNow();
    if (learning !== learningShown) {
      learningShown = learning;
      metrics.learning.set(learning ? 1 : 0);
      if (loaded && !learning && cfg.path !== undefined) {
        deps.log.info({ edges: edges.size, path: cfg.path }, 'edge baseline: learning window over, new edges now alert');
      }
    }
    return learning;
  }

  function add(e: BaselineEdge, src: Identity, dst: Identity): boolean {
    if (edges.size >= cfg.maxEdges) {
      metrics.dropped.inc();
      return false;
    }
    edges.set(edgeKey(e.src, e.dst, e.port, e.proto), e);
    identities.set(src.id, src);
    identities.set(dst.id, dst);
    metrics.size.set(edges.size);
    return true;
  }

  function snapshot(): BaselineFile {
    const sorted = [...edges.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, e]) => e);
    const used = new Set(sorted.flatMap((e) => [e.src, e.dst]));
    const ids: Record<string, Identity> = {};
    for (const id of [...used].sort()) {
      const ident = identities.get(id);
      if (ident) ids[id] = ident;
    }
    return {
      version: 1,
      learningStartedMs: startedMs ?? now(),
      learningWindowMs: cfg.learningWindowMs,
      savedMs: now(),
      identities: ids,
      edges: sorted,
    };
  }

  function readFile(path: string): BaselineFile | undefined {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // first run
      deps.errors.report('edges', 'load', new BaselineLoadError(path, 'cannot read', { cause: err }));
      return undefined;
    }
    let problem: string | undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
      problem = baselineProblem(parsed);
    } catch (err) {
      problem = `not JSON: ${(err as Error).message}`;
    }
    if (problem === undefined) return parsed as BaselineFile;
    // Keep the bad file for a human to look at; learning starts over.
    const kept = `${path}.corrupt-${now()}`;
    try {
      renameSync(path, kept);
    } catch (err) {
      deps.errors.report('edges', 'load', new BaselineLoadError(path, `cannot move aside to ${kept}`, { cause: err }));
    }
    deps.errors.report('edges', 'load', new BaselineLoadError(path, `${problem}; kept as ${kept}, starting a fresh baseline`));
    return undefined;
  }

  async function write(): Promise<void> {
    const path = cfg.path;
    if (!path || !dirty) return;
    dirty = false;
    const text = `${JSON.stringify(snapshot(), null, 1)}\n`;
    // Temp file + rename: a crash mid-write leaves the old baseline, never half a file.
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, path);
    } catch (err) {
      dirty = true; // try again on the next change or on close
      deps.errors.report('edges', 'persist', new BaselineWriteError(path, err));
    }
  }

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    // Chained so two writes never interleave on the temp file.
    writing = writing.then(write, write);
    return writing;
  }

  function markDirty(): void {
    dirty = true;
    if (timer || closed || !cfg.path) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, cfg.persistIntervalMs);
    timer.unref();
  }

  return {
    async load() {
      if (loaded || closed) return;
      if (cfg.path) {
        try {
          const stale = removeStaleTemps(cfg.path);
          if (stale.length > 0) deps.log.info({ removed: stale }, `removed ${stale.length} temp files a killed agent left next to the baseline`);
        } catch (err) {
          deps.errors.report('edges', 'cleanup', err);
        }
        const file = readFile(cfg.path);
        if (file) {
          startedMs = file.learningStartedMs;
          for (const ident of Object.values(file.identities)) identities.set(ident.id, ident);
          for (const e of file.edges) {
            const src = identities.get(e.src) ?? { id: e.src, kind: 'ip' as const };
            const dst = identities.get(e.dst) ?? { id: e.dst, kind: 'ip' as const };
            add({ src: e.src, dst: e.dst, port: e.port, proto: e.proto, firstSeenMs: e.firstSeenMs ?? 0 }, src, dst);
          }
        } else {
          startedMs = now();
          dirty = true;
        }
      }
      loaded = true;
      metrics.size.set(edges.size);
      const learning = showLearning();
      deps.log.info({ path: cfg.path, edges: edges.size, learning, learningStartedMs: startedMs }, 'edge baseline loaded');
      if (dirty) await flush();
    },
    observe(src, dst, port, proto) {
      if (!loaded || cfg.path === undefined) return { learning: false, isNew: false };
      const key = edgeKey(src.id, dst.id, port, proto);
      const known = edges.has(key);
      if (showLearning()) {
        if (!known && add({ src: src.id, dst: dst.id, port, proto, firstSeenMs: now() }, src, dst)) markDirty();
        return { learning: true, isNew: false };
      }
      if (known) return { learning: false, isNew: false };
      metrics.newEdges.inc();
      return { learning: false, isNew: true };
    },
    has: (key) => edges.has(key),
    isLearning: () => loaded && showLearning(),
    get size() {
      return edges.size;
    },
    get learningStartedMs() {
      return startedMs;
    },
    snapshot,
    flush,
    async close() {
      if (closed) return writing;
      closed = true;
      if (loaded) await flush();
      else await writing;
    },
  };
}

function registerMetrics(registry: Registry) {
  return {
    size: gauge(registry, { name: 'vigil_edges_baseline', help: 'Edges in the learned connection baseline.' }),
    learning: gauge(registry, { name: 'vigil_edges_learning', help: '1 while the connection baseline is learning, 0 after.' }),
    newEdges: counter(registry, { name: 'vigil_edges_new_total', help: 'Connections on edges the learned baseline does not hold (after learning).' }),
    dropped: counter(registry, { name: 'vigil_edges_dropped_total', help: 'Edges not learned because the baseline was at maxEdges.' }),
  };
}
