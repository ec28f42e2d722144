import type { CollectorDeps } from '../../core/deps.js';
import type { AlertOutput } from './output.js';

/** `--output none`: alerts are still counted by the engine; nothing is printed. */
export function createNoneOutput(_deps: CollectorDeps): AlertOutput {
  return {
    name: 'output.none',
    async start() {},
    emit() {
      return true;
    },
    async stop() {},
  };
}
