import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createComponentSet } from '../../../agent/components.js';
import type { Component } from '../../../core/component.js';
import { installProcessHandlers } from '../../../agent/lifecycle.js';
import { createReadiness } from '../../../agent/readiness.js';
import { memoryLogger, recordingErrors } from './helpers.js';

function fakeProcess() {
  const e = new EventEmitter();
  return { proc: e as unknown as Pick<NodeJS.Process, 'on' | 'off'>, emit: (ev: string, ...a: unknown[]) => e.emit(ev, ...a), count: (ev: string) => e.listenerCount(ev) };
}

describe('process handlers', () => {
  it('SIGTERM shuts down and exits 0; a second signal forces exit 130', async () => {
    const p = fakeProcess();
    const exits: number[] = [];
    let finish: () => void = () => undefined;
    const uninstall = installProcessHandlers({
      log: memoryLogger().log,
      errors: recordingErrors(),
      shutdown: () => new Promise<void>((r) => (finish = r)),
      deadlineMs: 60_000,
      exit: (c) => void exits.push(c),
      proc: p.proc,
    });
    p.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([]);
    p.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([130]);
    finish();
    await new Promise((r) => setImmediate(r));
    expect(exits).toEqual([130, 0]);
    uninstall();
    expect(p.count('SIGTERM') + p.count('SIGINT') + p.count('uncaughtException') + p.count('unhandledRejection')).toBe(0);
  });

  it('exits 1 when the shutdown overruns its deadline', async () => {
    const p = fakeProcess();
    const exits: number[] = [];
    installProcessHandlers({
      log: memoryLogger().log,
      errors: recordingErrors(),
      shutdown: () => new Promise<void>(() => undefined),
      deadlineMs: 5,
      exit: (c) => void exits.push(c),
      proc: p.proc,
    });
    p.emit('SIGINT', 'SIGINT');
    await new Promise((r) => setTimeout(r, 50));
    expect(exits).toEqual([1]);
  });

  it('counts uncaught exceptions and unhandled rejections instead of crashing', () => {
    const p = fakeProcess();
    const errors = recordingErrors();
    const exits: number[] = [];
    installProcessHandlers({ log: memoryLogger().log, errors, shutdown: async () => undefined, deadlineMs: 10, exit: (c) => void exits.push(c), proc: p.proc });
    p.emit('uncaughtException', new Error('boom'));
    p.emit('unhandledRejection', new Error('nope'));
    expect(errors.calls.map((c) => c.stage)).toEqual(['uncaught_exception', 'unhandled_rejection']);
    expect(exits).toEqual([]);
  });
});

describe('component set', () => {
  function fake(name: string, log: string[], behaviour: 'ok' | 'fail' | 'hang' = 'ok'): Component {
    return {
      name,
      start: async () => {
        log.push(`start ${name}`);
        if (behaviour === 'fail') throw new Error(`${name} broke`);
        if (behaviour === 'hang') await new Promise(() => undefined);
      },
      stop: async () => void log.push(`stop ${name}`),
    };
  }

  it('starts in order, stops in reverse, and keeps going past a failed or slow component', async () => {
    const calls: string[] = [];
    const readiness = createReadiness();
    const errors = recordingErrors();
    const set = createComponentSet([fake('a', calls), fake('b', calls, 'fail'), fake('c', calls, 'hang'), fake('d', calls)], {
      log: memoryLogger().log,
      errors,
      readiness,
      startTimeoutMs: 20,
    });
    await set.startAll();
    expect(calls).toEqual(['start a', 'start b', 'start c', 'start d']);
    expect(readiness.status()).toEqual({
      ready: false,
      pending: [{ name: 'b', reason: 'start failed: b broke' }, { name: 'c' }],
    });
    expect(errors.calls.map((c) => `${c.component}/${c.stage}`)).toEqual(['b/start']);
    await set.stopAll(1000);
    expect(calls.slice(4)).toEqual(['stop d', 'stop c', 'stop b', 'stop a']);
  });

  it('stopAll during startAll stops starting more and stops everything, within its deadline', async () => {
    const calls: string[] = [];
    const hung: Component = { name: 'hung', start: async () => void calls.push('start hung'), stop: () => new Promise<void>(() => undefined) };
    const set = createComponentSet([fake('a', calls, 'hang'), fake('b', calls), hung], {
      log: memoryLogger().log,
      errors: recordingErrors(),
      readiness: createReadiness(),
      startTimeoutMs: 60_000,
    });
    const starting = set.startAll();
    await new Promise((r) => setImmediate(r));
    await set.stopAll(30);
    await starting;
    expect(calls).toEqual(['start a', 'stop b', 'stop a']);
  });
});
