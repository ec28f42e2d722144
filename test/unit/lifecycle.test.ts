/**
 * The one shared lifecycle test (docs/ARCHITECTURE.md, conventions): every component
 * factory that exists — collectors, outputs, the HTTP server, the whole
 * agent — is run through the same contract on fixture roots in a temp dir:
 * stop() before start() is safe, stop() twice is safe, and start → stop
 * leaves no timer, watcher, socket or handle behind.
 */
import { createHook } from 'node:async_hooks';
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import type { Component } from '../../core/component.js';
import { loadConfig } from '../../agent/config/index.js';
import { createHttpServer } from '../../agent/http/index.js';
import { createJsonOutput, createNoneOutput, createPrettyOutput } from '../../agent/outputs/index.js';
import { createAgent } from '../../agent/pipeline.js';
import { createReadiness } from '../../agent/readiness.js';
import { createAuditSource } from '../../collectors/audit/index.js';
import { createContainerCollector } from '../../collectors/cgroups/index.js';
import { createExecWatcher } from '../../collectors/exec/index.js';
import { createNodeCollector, DEFAULT_NODE_COLLECTOR_CONFIG } from '../../collectors/node/index.js';
import { createHostScanner } from '../../collectors/scan/index.js';
import { createRulesWatcher } from '../../rules/index.js';
import { memoryLogger, testDeps } from './agent/helpers.js';

const fixtures = join(import.meta.dirname, '../fixtures');
const root = mkdtempSync(join(tmpdir(), 'vigil-lifecycle-'));
const procRoot = join(root, 'proc');
const cgroupRoot = join(root, 'cgroup');
const etc = join(root, 'etc');
cpSync(join(fixtures, 'node/proc'), procRoot, { recursive: true });
cpSync(join(fixtures, 'cgroup-v2'), cgroupRoot, { recursive: true });
mkdirSync(etc);
writeFileSync(join(etc, 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
const rulesDir = join(root, 'rules');
mkdirSync(rulesDir);
writeFileSync(join(rulesDir, 'r.yaml'), '- rule: R\n  desc: d\n  condition: evt.type = execve\n  output: o\n  priority: NOTICE\n');
afterAll(() => rmSync(root, { recursive: true, force: true }));

const passwdPath = join(etc, 'passwd');
const missingSocket = join(root, 'no-docker.sock');

type Factory = () => Component;

const factories: Record<string, Factory> = {
  'collectors/cgroups': () => createContainerCollector(testDeps(), { cgroupRoot, procRoot, dockerSocket: missingSocket, resyncIntervalMs: 50, dockerRetryMaxMs: 50 }),
  'collectors/procfs host scanner': () => createHostScanner(testDeps(), { procRoot, passwdPath, maxCmdlineBytes: 4096, hostRoot: root, scanIntervalMs: 50 }),
  'collectors/node': () => createNodeCollector(testDeps(), { ...DEFAULT_NODE_COLLECTOR_CONFIG, procRoot, hostRoot: root, sampleIntervalMs: 50, statfsTimeoutMs: 50, inventoryWaitMs: 50 }),
  'collectors/exec (poll)': () => createExecWatcher(testDeps(), { procRoot, passwdPath, maxCmdlineBytes: 4096, mode: 'poll', pollIntervalMs: 20, reinspectDelaysMs: [10] }),
  'collectors/audit (off)': () => createAuditSource(testDeps(), { mode: 'off', backlogLimit: 8192 }),
  'rules/watcher': () => createRulesWatcher(testDeps(), { paths: [rulesDir], debounceMs: 20 }, () => undefined),
  'outputs/json': () => createJsonOutput(testDeps(), { stream: new PassThrough(), maxQueue: 10 }),
  'outputs/pretty': () => createPrettyOutput(testDeps(), { stream: new PassThrough(), maxQueue: 10, color: false }),
  'outputs/none': () => createNoneOutput(testDeps()),
  'agent/http': () => createHttpServer(testDeps(), { addr: { host: '127.0.0.1', port: 0 }, readiness: createReadiness() }),
  'agent (whole pipeline)': () => {
    const config = loadConfig({
      flags: { 'metrics-addr': '127.0.0.1:0', 'exec-mode': 'poll' },
      env: { VIGIL_RULES: rulesDir, VIGIL_HOST_PROC: procRoot, VIGIL_HOST_CGROUP: cgroupRoot, VIGIL_HOST_ROOT: root, VIGIL_HOST_ETC: etc, VIGIL_DOCKER_SOCKET: missingSocket },
    });
    const agent = createAgent(config, { log: memoryLogger('silent').log, stdout: new PassThrough() });
    return { name: 'agent', start: () => agent.start(), stop: () => agent.stop() };
  },
};

/** Resource types by count, e.g. { Timeout: 2, TCPServerWrap: 1 }. */
function resources(): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

/** What `after` holds beyond `before` (vitest's own handles are in both). */
function leaked(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, n] of after) if (n > (before.get(k) ?? 0)) out.push(`${k} x${n - (before.get(k) ?? 0)}`);
  return out;
}

/**
 * getActiveResourcesInfo() lists only ref'ed handles, and every periodic
 * timer here is unref'ed (so it never holds the process open) — a leaked
 * unref'ed interval would go unseen. An async hook sees every handle and
 * (FileHandle is left out: its destroy hook waits for garbage collection)
 * timer created while it is enabled, and which of them were destroyed.
 */
const HANDLE_TYPES = new Set(['Timeout', 'TCPWRAP', 'TCPSERVERWRAP', 'PIPEWRAP', 'PIPESERVERWRAP', 'UDPWRAP', 'FSEVENTWRAP', 'STATWATCHER', 'PROCESSWRAP', 'SIGNALWRAP', 'TTYWRAP']);
function trackHandles(): { live(): string[]; disable(): void } {
  const live = new Map<number, { type: string; res: WeakRef<object> }>();
  const hook = createHook({
    init(id, type, _trigger, resource) {
      if (HANDLE_TYPES.has(type)) live.set(id, { type, res: new WeakRef(resource) });
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  return {
    // Destroy hooks are batched to a later turn, so a timer that just fired
    // is still in the map: a Timeout counts as live only while not _destroyed.
    live: () => [...live.values()].filter(({ type, res }) => type !== 'Timeout' || (res.deref() as { _destroyed?: boolean } | undefined)?._destroyed === false).map(({ type }) => type),
    disable: () => void hook.disable(),
  };
}

async function settledHandles(t: { live(): string[] }): Promise<string[]> {
  let l: string[] = [];
  for (let i = 0; i < 50; i++) {
    l = t.live();
    if (l.length === 0) return l;
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
  return l;
}

/** Closed handles leave the list on a later loop turn; a stuck one never does. */
async function settledLeaks(before: Map<string, number>): Promise<string[]> {
  let l: string[] = [];
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 10));
    l = leaked(before, resources());
    if (l.length === 0) return l;
  }
  return l;
}

describe.each(Object.entries(factories))('lifecycle: %s', (_name, create) => {
  it('stop() before start() is safe and stop() twice is safe', async () => {
    const c = create();
    expect(typeof c.name).toBe('string');
    await c.stop();
    await c.stop();
  });

  it('start → stop leaves no active handles, and a second stop is a no-op', async () => {
    const before = resources();
    const c = create();
    const tracker = trackHandles();
    try {
      await c.start(new AbortController().signal);
      // Let periodic work run at least once so its timers and reads are live when stopped.
      await new Promise((r) => setTimeout(r, 120));
      await c.stop();
      await c.stop();
      expect(await settledLeaks(before)).toEqual([]);
      expect(await settledHandles(tracker)).toEqual([]);
    } finally {
      tracker.disable();
    }
  });
});
