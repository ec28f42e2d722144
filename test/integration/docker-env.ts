import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const TEST_IMAGE = 'vigil-test/busybox:latest';

/**
 * Integration tests need a real Docker engine and root. On a laptop without
 * them they skip with a printed reason; under CI (.ci/run sets
 * VIGIL_REQUIRE_INTEGRATION=1) a missing engine is a failure, never a skip.
 */
export function integrationUnavailable(): string | undefined {
  let reason: string | undefined;
  if (process.platform !== 'linux') reason = 'not Linux';
  else if (process.getuid?.() !== 0) reason = 'not root';
  else if (!existsSync('/var/run/docker.sock')) reason = 'no Docker engine at /var/run/docker.sock';
  else {
    try {
      execFileSync('docker', ['image', 'inspect', TEST_IMAGE], { stdio: 'ignore' });
    } catch {
      reason = `test image ${TEST_IMAGE} missing (run test/images/build-busybox.sh)`;
    }
  }
  if (reason && process.env.VIGIL_REQUIRE_INTEGRATION === '1') {
    throw new Error(`integration tests are mandatory here but cannot run: ${reason}`);
  }
  if (reason) console.warn(`[vigil] skipping integration tests: ${reason}`);
  return reason;
}

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}
