import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle } from './harness/agent.js';

const unavailable = integrationUnavailable();

/**
 * The default library's node rules, tuned the way a team would tune them in
 * its own file (override: replace): short `for:` and throttle windows so the
 * test does not wait minutes. The conditions stay the library's, except
 * iowait, whose threshold is lowered to 10 % because this shared 2-core
 * machine cannot promise the library's 25 % while other work runs (idle, it
 * shows 0-2 %; one direct synchronous writer pushes it to 22-31 %).
 */
const TUNING = `
- rule: Filesystem Almost Full
  for: 2s
  override: { for: replace }
- rule: Filesystem Filling Up
  for: 2s
  override: { for: replace }
- rule: Filesystem Running Out of Inodes
  for: 2s
  override: { for: replace }
- rule: High CPU IO Wait
  condition: metric.subject = node and node.cpu.iowait_ratio > 0.1
  for: 0s
  override: { condition: replace, for: replace }
`;

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8' });
}

/** A loop-mounted ext4 image of the test's own, at a fresh mount point. */
function loopFs(dir: string, name: string, sizeMb: number, mkfsArgs: string[] = []): string {
  const image = join(dir, `${name}.img`);
  const mountpoint = join(dir, name);
  mkdirSync(mountpoint);
  sh('dd', ['if=/dev/zero', `of=${image}`, 'bs=1M', `count=${sizeMb}`, 'status=none']);
  sh('mkfs.ext4', ['-q', '-F', '-m', '0', ...mkfsArgs, image]);
  sh('mount', ['-o', 'loop', image, mountpoint]);
  return mountpoint;
}

describe.skipIf(unavailable)('node exhaustion rules on real filesystems and real IO', () => {
  let agent: AgentHandle;
  let dir: string;
  const mounts: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-exhaustion-'));
    writeFileSync(join(dir, 'tuning.yaml'), TUNING);
    mounts.push(loopFs(dir, 'filling', 64), loopFs(dir, 'inodes', 16, ['-N', '64']), loopFs(dir, 'remount', 16));
    const library = join(import.meta.dirname, '..', '..', 'rules', 'library');
    agent = await startAgent(['--rules', library, '--rules', join(dir, 'tuning.yaml'), '--scan-interval-ms', '1000'], { VIGIL_SAMPLE_INTERVAL_MS: '1000', VIGIL_FS_PREDICT_WINDOW_MS: '15000' });
  });

  afterAll(async () => {
    expect(await agent?.stop()).toBe(0);
    for (const m of mounts) {
      try {
        sh('umount', ['-l', m]);
      } catch {
        // already unmounted
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const forMount = (rule: string, mountpoint: string) => (a: { rule: string; output_fields: Record<string, unknown> }) => a.rule === rule && a.output_fields['fs.mountpoint'] === mountpoint;

  it('raises "filling up" and then "almost full" on a filesystem being filled', async () => {
    const mountpoint = mounts[0]!;
    // Half full at once, then a steady 2 MiB every 500 ms: full in about 15 s.
    sh('dd', ['if=/dev/zero', `of=${join(mountpoint, 'base')}`, 'bs=1M', 'count=34', 'status=none']);
    let n = 0;
    const writer = setInterval(() => {
      try {
        execFileSync('dd', ['if=/dev/zero', `of=${join(mountpoint, `chunk${n++}`)}`, 'bs=1M', 'count=2', 'conv=fsync', 'status=none']);
      } catch {
        clearInterval(writer); // ENOSPC: full
      }
    }, 500);
    try {
      const filling = await agent.waitForAlert(forMount('Filesystem Filling Up', mountpoint), 40_000);
      expect(Number(filling.output_fields['fs.predict_full_seconds'])).toBeLessThan(14_400);
      const full = await agent.waitForAlert(forMount('Filesystem Almost Full', mountpoint), 40_000);
      expect(Number(full.output_fields['fs.used_ratio'])).toBeGreaterThan(0.9);
      expect(full.source).toBe('metrics');
    } finally {
      clearInterval(writer);
    }
  });

  it('raises the inode rule on a few-inode filesystem', async () => {
    const mountpoint = mounts[1]!;
    for (let i = 0; i < 200; i++) {
      try {
        writeFileSync(join(mountpoint, `f${i}`), '');
      } catch {
        break; // ENOSPC: no inode left
      }
    }
    const alert = await agent.waitForAlert(forMount('Filesystem Running Out of Inodes', mountpoint), 30_000);
    expect(Number(alert.output_fields['fs.inodes_free_ratio'])).toBeLessThan(0.05);
  });

  it('raises the read-only rule when a writable filesystem is remounted read-only', async () => {
    const mountpoint = mounts[2]!;
    await new Promise((r) => setTimeout(r, 2_500)); // seen writable first
    sh('mount', ['-o', 'remount,ro', mountpoint]);
    const alert = await agent.waitForAlert(forMount('Filesystem Remounted Read-Only', mountpoint), 30_000);
    expect(alert.priority).toBe('Error');
  });

  it('raises the iowait rule under direct synchronous writes', async () => {
    expect(agent.alerts.filter((a) => a.rule === 'High CPU IO Wait')).toEqual([]); // quiet before the writes
    const writer = directSyncWriter(join(mounts[2]!, '..', 'iowait.bin'));
    try {
      const alert = await agent.waitForAlert((a) => a.rule === 'High CPU IO Wait', 60_000);
      expect(Number(alert.output_fields['node.cpu.iowait_ratio'])).toBeGreaterThan(0.1);
    } finally {
      writer.stop();
    }
  });
});

/**
 * One writer overwriting the same 64 MiB with direct synchronous 64 KiB writes,
 * over and over until stopped (bounded disk use). iowait is idle time with IO
 * pending, so it only shows on a CPU left idle. Measured here without the
 * agent: one such writer gives 22-31 % iowait whether or not a busy loop holds
 * the other core; two 4 KiB writers gave 13-15 % with that busy loop, too close
 * to the threshold.
 */
function directSyncWriter(target: string): { stop(): void } {
  let stopped = false;
  let current: ReturnType<typeof spawn> | undefined;
  const next = (): void => {
    if (stopped) return;
    current = spawn('dd', ['if=/dev/zero', `of=${target}`, 'bs=64k', 'count=1024', 'oflag=direct,dsync', 'conv=notrunc', 'status=none'], { stdio: 'ignore' });
    current.once('exit', next);
  };
  next();
  return {
    stop(): void {
      stopped = true;
      current?.kill();
    },
  };
}
