import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createHostScanner, type HostScanResult } from '../../../../collectors/scan/index.js';
import { FIXTURE, FIXTURE_PROC, fixtureCopy, testDeps } from '../procfs/helpers.js';

const cfg = { procRoot: FIXTURE_PROC, passwdPath: join(FIXTURE, 'etc/passwd'), maxCmdlineBytes: 4096, scanIntervalMs: 10 };

describe('createHostScanner', () => {
  let stopMe: (() => Promise<void>) | undefined;
  afterEach(async () => stopMe?.());

  it('scans on start, then periodically, and notifies listeners', async () => {
    const deps = testDeps();
    const scanner = createHostScanner(deps, cfg);
    stopMe = () => scanner.stop();
    const results: HostScanResult[] = [];
    scanner.onScan((r) => results.push(r));
    await scanner.start(new AbortController().signal);
    expect(results).toHaveLength(1);
    expect(results[0]!.processes.added).toHaveLength(10);
    expect(results[0]!.sockets.added).toHaveLength(8);
    await new Promise((r) => setTimeout(r, 60));
    expect(results.length).toBeGreaterThan(1);
    expect(results[1]!.processes.added).toEqual([]);
    expect(scanner.processes.get(200)?.vpid).toBe(1);
    expect(scanner.sockets.byInode(6001)?.pids).toEqual([200]);
  });

  it('exports its self metrics', async () => {
    const deps = testDeps();
    const scanner = createHostScanner(deps, cfg);
    scanner.scanNow();
    const text = await deps.registry.metrics();
    expect(text).toMatch(/^vigil_processes 10$/m);
    expect(text).toMatch(/^vigil_sockets\{proto="tcp",state="LISTEN"\} 1$/m);
    expect(text).toMatch(/^vigil_sockets\{proto="tcp6",state="ESTABLISHED"\} 2$/m);
    expect(text).toMatch(/^vigil_scan_duration_seconds_count\{table="processes"\} 1$/m);
    expect(text).toMatch(/^vigil_scan_duration_seconds_count\{table="sockets"\} 1$/m);
  });

  it('keeps going when a listener throws, and stops listeners that unsubscribe', () => {
    const deps = testDeps();
    const scanner = createHostScanner(deps, cfg);
    let calls = 0;
    scanner.onScan(() => {
      throw new Error('boom');
    });
    const off = scanner.onScan(() => calls++);
    scanner.scanNow();
    off();
    scanner.scanNow();
    expect(calls).toBe(1);
    expect(deps.reported.map((r) => r.stage)).toEqual(['listener', 'listener']);
  });

  it('stops idempotently, also before start, and does not start after abort', async () => {
    const deps = testDeps();
    const scanner = createHostScanner(deps, cfg);
    await scanner.stop();
    await scanner.stop();
    let scans = 0;
    scanner.onScan(() => scans++);
    await scanner.start(new AbortController().signal);
    expect(scans).toBe(0);
    const other = createHostScanner(testDeps(), cfg);
    const ac = new AbortController();
    other.onScan(() => scans++);
    await other.start(ac.signal);
    ac.abort();
    const before = scans;
    await new Promise((r) => setTimeout(r, 40));
    expect(scans).toBe(before);
  });

  it('never throws out of a scan when /proc disappears', () => {
    const t = fixtureCopy();
    const deps = testDeps();
    const scanner = createHostScanner(deps, { ...cfg, procRoot: t.proc, passwdPath: t.passwd });
    scanner.scanNow();
    rmSync(t.root, { recursive: true, force: true });
    expect(() => scanner.scanNow()).not.toThrow();
    expect(deps.reported.map((r) => r.stage)).toContain('list');
  });
});
