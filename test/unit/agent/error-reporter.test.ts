import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { createErrorReporter } from '../../../core/error-reporter.js';
import { memoryLogger, metricValue } from './helpers.js';

describe('ErrorReporter', () => {
  it('counts every error and logs once per (component, stage)', async () => {
    const { log, records } = memoryLogger('info');
    const registry = new Registry();
    const r = createErrorReporter(log, registry);
    r.report('procfs', 'exe', new Error('EACCES one'));
    r.report('procfs', 'exe', new Error('EACCES two'));
    r.report('procfs', 'exe', 'a string, not an Error');
    r.report('procfs', 'cwd', new Error('other stage'));
    r.report('cgroups', 'exe', new Error('other component'));
    expect(await metricValue(registry, 'vigil_component_errors_total', { component: 'procfs', stage: 'exe' })).toBe(3);
    expect(await metricValue(registry, 'vigil_component_errors_total', { component: 'procfs', stage: 'cwd' })).toBe(1);
    expect(await metricValue(registry, 'vigil_component_errors_total', { component: 'cgroups', stage: 'exe' })).toBe(1);
    const errors = records.filter((x) => x.level === 50);
    expect(errors.map((x) => [x.component, x.stage])).toEqual([
      ['procfs', 'exe'],
      ['procfs', 'cwd'],
      ['cgroups', 'exe'],
    ]);
    expect((errors[0]!.err as { message: string }).message).toBe('EACCES one');
  });

  it('logs repeats at debug level so they can still be seen when asked for', () => {
    const { log, records } = memoryLogger('debug');
    const r = createErrorReporter(log, new Registry());
    r.report('node', 'statfs', new Error('a'));
    r.report('node', 'statfs', new Error('b'));
    expect(records.map((x) => x.level)).toEqual([50, 20]);
  });

  it('never throws, even when logging does', () => {
    const { log } = memoryLogger();
    const broken = Object.assign(Object.create(log) as typeof log, {
      error: () => {
        throw new Error('logger down');
      },
    });
    const r = createErrorReporter(broken, new Registry());
    expect(() => r.report('x', 'y', new Error('z'))).not.toThrow();
  });
});
