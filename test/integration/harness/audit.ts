import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The kernel's audit state is one global resource: these helpers read it
 * with auditctl (the reference tool, not vigil's own code), check it is
 * left as found, and run a real auditd with its log in a temp dir.
 */
export interface AuditState {
  readonly enabled: number;
  readonly pid: number;
  readonly backlogLimit: number;
  readonly rules: string[];
}

export function auditState(): AuditState {
  const s = execFileSync('auditctl', ['-s'], { encoding: 'utf8' });
  const num = (k: string): number => Number(new RegExp(`^${k} (\\d+)`, 'm').exec(s)?.[1] ?? Number.NaN);
  const l = execFileSync('auditctl', ['-l'], { encoding: 'utf8' }).trim();
  return { enabled: num('enabled'), pid: num('pid'), backlogLimit: num('backlog_limit'), rules: l === 'No rules' ? [] : l.split('\n') };
}

/** Why audit integration tests cannot run here, or undefined; a failure instead of a skip under VIGIL_REQUIRE_INTEGRATION=1. */
export function auditUnavailable(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = 'not Linux';
  else if (process.getuid?.() !== 0) reason = 'not root';
  else if (!existsSync('/usr/sbin/auditctl') || !existsSync('/usr/sbin/auditd')) reason = 'auditd (Debian package) not installed';
  else {
    try {
      const st = auditState();
      if (st.enabled === 2) reason = 'kernel audit configuration is locked (-e 2)';
      else if (st.pid !== 0) reason = `an audit daemon (pid ${st.pid}) is already registered`;
    } catch (err) {
      reason = `auditctl cannot talk to the kernel: ${(err as Error).message}`;
    }
  }
  if (reason && process.env.VIGIL_REQUIRE_INTEGRATION === '1') throw new Error(`audit integration tests are mandatory here but cannot run: ${reason}`);
  if (reason) console.warn(`[vigil] skipping audit integration tests: ${reason}`);
  return reason;
}

/** Puts back what the test changed: enabled flag, backlog limit; drops rules with `keys`. */
export function restoreAudit(before: AuditState, keys: readonly string[]): void {
  for (const k of keys) {
    try {
      execFileSync('auditctl', ['-D', '-k', k], { stdio: 'ignore' });
    } catch {
      /* no such rule */
    }
  }
  execFileSync('auditctl', ['-e', String(before.enabled)], { stdio: 'ignore' });
  execFileSync('auditctl', ['-b', String(before.backlogLimit)], { stdio: 'ignore' });
}

export interface Auditd {
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

/** Debian's auditd in the foreground, logging raw records to a temp file; resolves once it owns the audit pid. */
export async function startAuditd(): Promise<Auditd> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-auditd-'));
  mkdirSync(join(dir, 'plugins.d'));
  const logFile = join(dir, 'audit.log');
  writeFileSync(
    join(dir, 'auditd.conf'),
    [
      'local_events = yes',
      'write_logs = yes',
      `log_file = ${logFile}`,
      'log_format = RAW',
      'flush = SYNC',
      'max_log_file = 50',
      'max_log_file_action = IGNORE',
      'space_left = 2',
      'space_left_action = IGNORE',
      'admin_space_left = 1',
      'admin_space_left_action = IGNORE',
      'disk_full_action = IGNORE',
      'disk_error_action = IGNORE',
      `plugin_dir = ${join(dir, 'plugins.d')}`,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const child = spawn('/usr/sbin/auditd', ['-n', '-c', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const deadline = Date.now() + 15_000;
  while (auditState().pid !== child.pid) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`auditd did not register: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
