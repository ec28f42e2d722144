import type { FdTarget, ProcessInfo, SocketInfo } from '../../../../collectors/model.js';

export function proc(over: Partial<ProcessInfo> & { pid: number }): ProcessInfo {
  const none: FdTarget = { kind: 'none' };
  return {
    ppid: 1,
    startTicks: 100,
    startTimeMs: 1_700_000_000_000,
    comm: 'sh',
    exe: '/bin/sh',
    args: ['sh'],
    argsTruncated: false,
    uid: 0,
    gid: 0,
    user: 'root',
    tty: 0,
    vpid: over.pid,
    netns: 4026531840,
    stdio: [none, none, none],
    ...over,
  };
}

export function sock(over: Partial<SocketInfo> & { inode: number }): SocketInfo {
  return {
    proto: 'tcp',
    localAddr: '10.0.0.5',
    localPort: 40000,
    remoteAddr: '10.0.0.9',
    remotePort: 4444,
    state: 'ESTABLISHED',
    netns: 4026531840,
    uid: 0,
    pids: [],
    ...over,
  };
}
