import { describe, expect, it } from 'vitest';
import type { ProcessInfo } from '../../../../collectors/model.js';
import { capsToString } from '../../../../agent/events/caps.js';
import { procFields } from '../../../../agent/events/enrich.js';

const NONE = { kind: 'none' } as const;
const info = (p: Partial<ProcessInfo>): ProcessInfo => ({
  pid: 50,
  ppid: 1,
  startTicks: 1,
  startTimeMs: 1,
  comm: 'x',
  exe: '/bin/x',
  args: ['x'],
  argsTruncated: false,
  uid: 0,
  gid: 0,
  user: 'root',
  tty: 0,
  vpid: 50,
  netns: 1,
  stdio: [NONE, NONE, NONE],
  ...p,
});

describe('capsToString', () => {
  it("names the set bits in bit order as libsinsp's caps_to_string", () => {
    expect(capsToString(0)).toBe('');
    expect(capsToString(1)).toBe('CAP_CHOWN');
    // Docker's default set.
    expect(capsToString(0xa80425fb)).toBe(
      'CAP_CHOWN CAP_DAC_OVERRIDE CAP_FOWNER CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_NET_BIND_SERVICE CAP_NET_RAW CAP_SYS_CHROOT CAP_MKNOD CAP_AUDIT_WRITE CAP_SETFCAP',
    );
    // Bits past 31 (CAP_BPF is 39, CAP_CHECKPOINT_RESTORE 40) and unnamed ones past 40.
    expect(capsToString(2 ** 39 + 2 ** 21)).toBe('CAP_SYS_ADMIN CAP_BPF');
    expect(capsToString(2 ** 41 - 1).split(' ')).toHaveLength(41);
    expect(capsToString(2 ** 45)).toBe('');
  });
});

describe('procFields: the details rules read', () => {
  it('formats capabilities, maps an unset loginuid to -1, tells a memfd executable', () => {
    const p = procFields(info({ exe: '/memfd:x (deleted)', capEffective: 2 ** 16, capPermitted: 0, loginuid: 4294967295, vpgid: 50, env: ['A=1'] }), () => undefined);
    expect(p).toMatchObject({ isExeFromMemfd: true, capEffective: 'CAP_SYS_MODULE', capPermitted: '', loginuid: -1, vpgid: 50, env: ['A=1'] });
    const q = procFields(info({ loginuid: 1000 }), () => undefined);
    expect(q).toMatchObject({ isExeFromMemfd: false, loginuid: 1000 });
    expect(q.capEffective).toBeUndefined();
    // No executable path (a kernel thread, a process gone): unknown, not false.
    expect(procFields(info({ exe: '' }), () => undefined).isExeFromMemfd).toBeUndefined();
  });
});
