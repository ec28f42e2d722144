import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import type { Cleanup } from './cleanup.js';

const run = promisify(execFile);

export const IMAGE = 'vigil-test/busybox:latest';
/** Every container this benchmark creates is named with this prefix (and removed at the end). */
export const PREFIX = 'vigilbench-';

/** Names of containers (running or not) left by an earlier run that was killed hard. */
function leftovers(): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--filter', `name=^${PREFIX}`, '--format', '{{.Names}}'], { encoding: 'utf8' });
  return out.split('\n').filter((n) => n.startsWith(PREFIX));
}

function removeSync(names: readonly string[]): void {
  for (let i = 0; i < names.length; i += 25) {
    try {
      execFileSync('docker', ['rm', '-f', ...names.slice(i, i + 25)], { stdio: 'ignore', timeout: 120_000 });
    } catch {
      // Already gone (--rm) or docker is down: nothing more to do here.
    }
  }
}

/**
 * Starts `count` busybox containers running `sleep 3600`, `batch` at a time
 * (each one copies the image's rootfs under the vfs storage driver, so one
 * takes about a second). `--rm` makes a container that outlives a killed
 * benchmark disappear by itself once its sleep ends.
 */
export async function startContainers(count: number, cleanup: Cleanup, batch = 10): Promise<{ names: string[]; ids: string[]; stop(): void }> {
  removeSync(leftovers());
  const names: string[] = [];
  const ids: string[] = [];
  const stop = cleanup.add(`containers ${PREFIX}*`, () => removeSync(names));
  for (let i = 0; i < count; i += batch) {
    const wave: Promise<void>[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      const name = `${PREFIX}${j}`;
      names.push(name);
      wave.push(
        run('docker', ['run', '-d', '--rm', '--name', name, '--label', 'vigil.bench=foundation', IMAGE, 'sleep', '3600'], { timeout: 120_000 }).then((r) => {
          ids.push(r.stdout.trim());
        }),
      );
    }
    await Promise.all(wave);
  }
  return { names, ids, stop };
}
