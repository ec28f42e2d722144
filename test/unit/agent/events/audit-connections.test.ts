import { describe, expect, it } from 'vitest';
import { AuditedConnections } from '../../../../agent/events/audit-connections.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { sock } from './fixtures.js';

const connect = (rawres: number, over: Partial<NonNullable<VigilEvent['fd']>> = {}, pid = 7): VigilEvent => ({
  type: 'connect',
  source: 'syscall',
  timeMs: 1,
  rawres,
  proc: { pid, name: 'wget' },
  fd: { type: 'ipv4', sip: '10.0.0.9', sport: 8080, netns: 55, direction: 'out', ...over },
});

describe('AuditedConnections', () => {
  it('a connection the audit source reported is not reported again by the scan (once per report)', () => {
    const c = new AuditedConnections(() => 0);
    c.note(connect(0), 'tcp');
    const s = sock({ inode: 1, pids: [7], remoteAddr: '10.0.0.9', remotePort: 8080 });
    expect(c.covered(s)).toBe(true);
    expect(c.covered(s)).toBe(false);
    // Another process's socket to the same peer is its own connection.
    c.note(connect(0), 'tcp');
    expect(c.covered({ ...s, pids: [8] })).toBe(false);
    expect(c.covered({ ...s, remoteAddr: '::ffff:10.0.0.9' })).toBe(true);
  });

  it('reports wait a bounded time for their scan', () => {
    let now = 0;
    const c = new AuditedConnections(() => now);
    c.note(connect(-115), undefined);
    now = 61_000;
    c.sweep();
    expect(c.covered(sock({ inode: 1, pids: [7], remoteAddr: '10.0.0.9', remotePort: 8080 }))).toBe(false);
  });

  it('counts TCP opens per netns for the TCP counters: TCP connects (also refused), accepts; not UDP, not unknown successes', () => {
    const c = new AuditedConnections(() => 0);
    c.note(connect(0), 'tcp');
    c.note(connect(-111), undefined); // refused: the SYN went out, only TCP does that
    c.note(connect(-115, { sip: '10.0.0.10' }), undefined); // EINPROGRESS: TCP
    c.note(connect(0, { sport: 53 }), 'udp');
    c.note(connect(0, { sport: 9 }), undefined); // unknown protocol, success: might be UDP
    c.note(connect(-101), 'tcp'); // ENETUNREACH: no SYN sent
    c.note({ type: 'accept4', source: 'syscall', timeMs: 1, rawres: 5, proc: { pid: 9, name: 'nginx' }, fd: { type: 'ipv4', l4proto: 'tcp', cip: '10.0.0.2', cport: 40000, netns: 55 } }, 'tcp');
    expect(c.drainOpens(55)).toEqual([
      { ip: '10.0.0.9', port: 8080, atMs: 1 },
      { ip: '10.0.0.9', port: 8080, atMs: 1 },
      { ip: '10.0.0.10', port: 8080, atMs: 1 },
      { ip: '10.0.0.2', port: 40000, atMs: 1 },
    ]);
    expect(c.drainOpens(55)).toEqual([]);
    // Without a netns (process and parent gone) nothing can be counted for it.
    c.note(connect(0, { netns: undefined }), 'tcp');
    expect(c.drainOpens(55)).toEqual([]);
  });
});
