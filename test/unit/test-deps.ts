import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { CollectorDeps } from '../../core/deps.js';

export interface TestDeps extends CollectorDeps {
  /** Every error a component reported, in order. */
  readonly reported: { component: string; stage: string; err: unknown }[];
}

/** Collector deps for unit tests: silent log, a fresh registry, errors recorded. */
export function testDeps(): TestDeps {
  const reported: TestDeps['reported'] = [];
  return {
    log: pino({ level: 'silent' }),
    registry: new Registry(),
    errors: { report: (component, stage, err) => reported.push({ component, stage, err }) },
    reported,
  };
}
