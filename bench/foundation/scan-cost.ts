import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { killPid, type Cleanup } from './cleanup.js';
import type { ScanChildReply, ScanChildRequest } from './scan-child.js';

function childPath(): string {
  return fileURLToPath(import.meta.url).replace(/scan-cost\.(ts|js)$/, 'scan-child.$1');
}

/** Runs the host scanner in a fresh child process and returns what it measured. */
export async function measureScanCost(req: ScanChildRequest, cleanup: Cleanup): Promise<ScanChildReply> {
  const child = fork(childPath(), [JSON.stringify(req)], {
    execArgv: [...process.execArgv, '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const done = cleanup.add(`scan child ${child.pid}`, () => killPid(child.pid!, 'SIGKILL'));
  try {
    const reply = Promise.race([
      once(child, 'message').then(([m]) => m as ScanChildReply),
      once(child, 'exit').then(([code]) => Promise.reject(new Error(`scan child exited with ${String(code)} before replying`))),
    ]);
    return await reply;
  } finally {
    done();
  }
}
