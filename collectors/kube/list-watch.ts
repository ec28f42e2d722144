import { createInterface } from 'node:readline';
import type { IncomingMessage } from 'node:http';
import { KubeError } from './errors.js';
import type { KubeGet } from './http.js';
import type { KubeObject, ListJson, WatchEventJson } from './types.js';

export interface ListWatchHandlers<T> {
  /** A full list replaced what was known: the first list and every relist. */
  replace(items: readonly T[]): void;
  upsert(obj: T): void;
  remove(obj: T): void;
}

export interface ListWatchConfig {
  /** e.g. /api/v1/pods */
  readonly path: string;
  readonly fieldSelector?: string;
  /** Items per list page (limit/continue), so a relist of a big cluster is not one huge body. */
  readonly pageSize: number;
  /** The server ends each watch after this long; it is then resumed from the last resourceVersion. */
  readonly watchTimeoutSec: number;
  /** No byte at all for this long (not even a bookmark) and the connection counts as dropped. */
  readonly idleTimeoutMs: number;
  /** Longest one list page may take, from the request to the last byte of its body. */
  readonly listTimeoutMs: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
}

export type RelistReason = 'initial' | 'gone' | 'dropped';

export interface ListWatchEvents {
  /** Up after a list completed; down with the error when a list or watch failed. */
  state(up: boolean, err?: unknown): void;
  relist(reason: RelistReason): void;
}

export interface ListWatch {
  start(): void;
  stop(): void;
  /** Resolves after the first complete list (or never, while the API is unreachable). */
  synced(): Promise<void>;
}

/**
 * The informer protocol of client-go, for one resource: list (paged), then
 * watch from the list's resourceVersion with bookmarks. A watch the server
 * ends on its timeout is resumed from the last resourceVersion; a 410 Gone
 * (the version is too old) relists at once; a dropped connection or any
 * other failure relists after an exponential backoff. Objects are handed
 * over as parsed JSON and not kept here: the handlers keep what they need.
 */
export function createListWatch<T extends KubeObject>(get: KubeGet, cfg: ListWatchConfig, handlers: ListWatchHandlers<T>, events: ListWatchEvents): ListWatch {
  const abort = new AbortController();
  let running = false;
  let rv: string | undefined;
  let delay = cfg.retryMinMs;
  let onSynced: (() => void) | undefined;
  const syncedP = new Promise<void>((r) => (onSynced = r));

  const fail = async (res: IncomingMessage): Promise<never> => {
    const body = await readBody(res, 64 * 1024).catch(() => '');
    const code = res.statusCode ?? 0;
    throw new KubeError(code === 410 ? 'VIGIL_ERR_KUBE_GONE' : 'VIGIL_ERR_KUBE_HTTP', `GET ${cfg.path}: HTTP ${code} ${body.slice(0, 200)}`, code);
  };

  const list = async (): Promise<void> => {
    const items: T[] = [];
    let cont: string | undefined;
    let version: string | undefined;
    do {
      const bound = timeBound(abort.signal, cfg.listTimeoutMs);
      let page: ListJson<T>;
      try {
        const res = await get(cfg.path, { limit: String(cfg.pageSize), continue: cont, fieldSelector: cfg.fieldSelector }, bound.signal);
        if (res.statusCode !== 200) await fail(res);
        page = JSON.parse(await readBody(res, Infinity)) as ListJson<T>;
      } catch (err) {
        throw bound.timedOut() ? new KubeError('VIGIL_ERR_KUBE_TIMEOUT', `list ${cfg.path} took over ${cfg.listTimeoutMs} ms`, undefined, { cause: err }) : err;
      } finally {
        bound.release();
      }
      for (const item of page.items ?? []) items.push(item);
      cont = page.metadata?.continue || undefined;
      version = page.metadata?.resourceVersion;
    } while (cont);
    handlers.replace(items);
    rv = version;
  };

  const watch = async (): Promise<void> => {
    // Until the answer's head arrives the socket's idle timer is not ours: bound the wait the same.
    const bound = timeBound(abort.signal, cfg.idleTimeoutMs);
    try {
      await watchOn(bound);
    } catch (err) {
      throw bound.timedOut() ? new KubeError('VIGIL_ERR_KUBE_TIMEOUT', `watch ${cfg.path} had no answer in ${cfg.idleTimeoutMs} ms`, undefined, { cause: err }) : err;
    } finally {
      bound.release();
    }
  };

  const watchOn = async (bound: TimeBound): Promise<void> => {
    const res = await get(
      cfg.path,
      {
        watch: '1',
        resourceVersion: rv,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(cfg.watchTimeoutSec),
        fieldSelector: cfg.fieldSelector,
      },
      bound.signal,
    );
    bound.disarm();
    if (res.statusCode !== 200) await fail(res);
    res.setTimeout(cfg.idleTimeoutMs, () => res.destroy(new KubeError('VIGIL_ERR_KUBE_STREAM', `watch ${cfg.path} idle for ${cfg.idleTimeoutMs} ms`)));
    let gone: KubeError | undefined;
    let broken: unknown;
    res.on('error', (err) => (broken = err));
    // A response that ends without completing (server gone, connection reset) is a drop, not a timeout.
    res.on('aborted', () => (broken ??= new KubeError('VIGIL_ERR_KUBE_STREAM', `watch ${cfg.path} aborted`)));
    const lines = createInterface({ input: res, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === '') continue;
      let ev: WatchEventJson<T>;
      try {
        ev = JSON.parse(line) as WatchEventJson<T>;
      } catch (err) {
        throw new KubeError('VIGIL_ERR_KUBE_STREAM', `watch ${cfg.path}: unparsable line`, undefined, { cause: err });
      }
      const version = ev.object?.metadata?.resourceVersion;
      if (ev.type === 'ERROR') {
        const code = ev.object?.code;
        gone = new KubeError(code === 410 ? 'VIGIL_ERR_KUBE_GONE' : 'VIGIL_ERR_KUBE_HTTP', `watch ${cfg.path}: ${ev.object?.message ?? 'error'}`, code);
        res.destroy();
        break;
      }
      if (ev.type === 'ADDED' || ev.type === 'MODIFIED') handlers.upsert(ev.object);
      else if (ev.type === 'DELETED') handlers.remove(ev.object);
      if (version) rv = version;
    }
    if (gone) throw gone;
    if (broken || !res.complete) throw broken ?? new KubeError('VIGIL_ERR_KUBE_STREAM', `watch ${cfg.path} dropped`);
  };

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      t.unref();
      abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });

  const run = async (): Promise<void> => {
    let reason: RelistReason = 'initial';
    while (!abort.signal.aborted) {
      try {
        if (rv === undefined) {
          events.relist(reason);
          await list();
          events.state(true);
          onSynced?.();
          delay = cfg.retryMinMs;
        }
        await watch();
        // The server ended the watch on its timeout: resume from rv.
      } catch (err) {
        if (abort.signal.aborted) return;
        rv = undefined;
        if (err instanceof KubeError && err.code === 'VIGIL_ERR_KUBE_GONE') {
          reason = 'gone';
          continue;
        }
        reason = 'dropped';
        events.state(false, err);
        await sleep(delay);
        delay = Math.min(delay * 2, cfg.retryMaxMs);
      }
    }
  };

  return {
    start() {
      if (running) return;
      running = true;
      void run();
    },
    stop() {
      abort.abort();
    },
    synced: () => syncedP,
  };
}

interface TimeBound {
  /** Aborts with the parent, or when the time is up unless disarmed first. */
  readonly signal: AbortSignal;
  timedOut(): boolean;
  disarm(): void;
  /** Done with the request: disarm and stop following the parent. */
  release(): void;
}

function timeBound(parent: AbortSignal, ms: number): TimeBound {
  const c = new AbortController();
  let timedOut = false;
  const follow = (): void => c.abort(parent.reason);
  parent.addEventListener('abort', follow, { once: true });
  const timer = setTimeout(() => {
    timedOut = true;
    c.abort();
  }, ms);
  return {
    signal: c.signal,
    timedOut: () => timedOut,
    disarm: () => clearTimeout(timer),
    release() {
      clearTimeout(timer);
      parent.removeEventListener('abort', follow);
    },
  };
}

async function readBody(res: IncomingMessage, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    n += chunk.length;
    if (n > maxBytes) {
      res.destroy();
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
