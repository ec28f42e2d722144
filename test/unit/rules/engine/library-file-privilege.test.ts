import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRuleSet } from '../../../../rules/compiler/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { fieldExists } from '../../../../rules/fields/index.js';
import { loadRuleTexts } from '../../../../rules/load.js';
import { engineWith } from '../compiler/helpers.js';

/**
 * The default library's file and privilege rules (rules/library/50-file-privilege.yaml)
 * on events shaped as the audit event layer gives them: each fires on the
 * behaviour it names and stays quiet on the benign look-alikes a node does
 * all day (package installs, runtimes joining namespaces, login programs).
 */
const dir = join(import.meta.dirname, '..', '..', '..', '..', 'rules', 'library');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), 'utf8') }));
const { ruleSet } = compileRuleSet(loadRuleTexts(files, { fieldExists }));

const container = { id: 'c'.repeat(64), imageRepository: 'shop/web' };
type Proc = NonNullable<VigilEvent['proc']>;
const proc = (name: string, extra: Partial<Proc> = {}): Proc => ({ pid: 40, vpid: 7, name, exepath: `/bin/${name}`, ancestors: [{ pid: 30, name: 'sh' }], ...extra });
const open = (path: string, mode: 'r' | 'w', p: Proc, inContainer = true, res = 0): VigilEvent => {
  const slash = path.lastIndexOf('/');
  return {
    type: 'openat',
    source: 'syscall',
    timeMs: 1,
    rawres: res,
    proc: p,
    fd: { type: 'file', name: path, nameraw: path },
    open: { read: mode === 'r', write: mode === 'w', exec: false, create: false },
    args: [{ name: 'name', value: path.slice(0, slash + 1) + path.slice(slash + 1) }],
    ...(inContainer ? { container } : {}),
  } as VigilEvent;
};
const syscall = (type: string, p: Proc, args: { name: string; value: string; resolved?: string }[] = [], inContainer = true, res = 0): VigilEvent =>
  ({ type, source: 'syscall', timeMs: 1, rawres: res, proc: p, args, ...(inContainer ? { container } : {}) }) as VigilEvent;

function alertsFor(events: VigilEvent[]): string[] {
  const { engine, alerts } = engineWith(ruleSet);
  for (const e of events) engine.process(e);
  return alerts.map((a) => a.rule);
}

describe('file and privilege rules of the default library', () => {
  it('are all active on a sensor with the audit fields', () => {
    const names = ruleSet.rules.map((r) => r.name);
    for (const r of [
      'Sensitive File Read in Container',
      'Write Below Binary Directory',
      'Write Below Etc in Container',
      'Namespace Change in Container',
      'Ptrace Attach',
      'Kernel Module Loaded from Container',
      'Kernel Module Loaded on Host',
      'Fileless Execution',
    ])
      expect(names).toContain(r);
    for (const r of ruleSet.rules.filter((x) => x.location.file.endsWith('50-file-privilege.yaml'))) {
      expect(
        r.tags.some((t) => t.startsWith('mitre_')),
        r.name,
      ).toBe(true);
      expect(
        r.tags.some((t) => /^T\d{4}/.test(t)),
        r.name,
      ).toBe(true);
    }
  });

  it('fire on the behaviour each describes', () => {
    expect(alertsFor([open('/etc/shadow', 'r', proc('cat'))])).toEqual(['Sensitive File Read in Container']);
    expect(alertsFor([open('/etc/sudoers.d/90-cloud', 'r', proc('cat'))])).toEqual(['Sensitive File Read in Container']);
    expect(alertsFor([open('/usr/bin/ls', 'w', proc('cp'))])).toEqual(['Write Below Binary Directory']);
    expect(alertsFor([open('/usr/bin/ls', 'w', proc('cp'), false)])).toEqual(['Write Below Binary Directory']);
    expect(alertsFor([open('/etc/passwd', 'w', proc('sh'))])).toEqual(['Write Below Etc in Container']);
    expect(
      alertsFor([
        syscall('setns', proc('nsenter'), [
          { name: 'fd', value: '3' },
          { name: 'nstype', value: '0', resolved: 'CLONE_NEWNS' },
        ]),
      ]),
    ).toEqual(['Namespace Change in Container']);
    // What `kubectl exec` runs is a child of the runtime's shim: still reported.
    expect(alertsFor([syscall('setns', proc('nsenter', { ancestors: [{ pid: 3, name: 'containerd-shim' }] }))])).toEqual(['Namespace Change in Container']);
    expect(alertsFor([syscall('unshare', proc('unshare'), [{ name: 'flags', value: '268435456', resolved: 'CLONE_NEWUSER' }])])).toEqual(['Namespace Change in Container']);
    expect(
      alertsFor([
        syscall('ptrace', proc('gdb'), [
          { name: 'request', value: '16', resolved: 'PTRACE_ATTACH' },
          { name: 'pid', value: '41' },
        ]),
      ]),
    ).toEqual(['Ptrace Attach']);
    expect(alertsFor([syscall('ptrace', proc('inject'), [{ name: 'request', value: '4', resolved: 'PTRACE_POKETEXT' }], false)])).toEqual(['Ptrace Attach']);
    expect(alertsFor([syscall('finit_module', proc('insmod'), [], true, -1)])).toEqual(['Kernel Module Loaded from Container']);
    expect(alertsFor([syscall('finit_module', proc('insmod', { ppid: 900, ancestors: [{ pid: 900, name: 'bash' }] }), [], false)])).toEqual(['Kernel Module Loaded on Host']);
    expect(alertsFor([{ type: 'execve', source: 'syscall', timeMs: 1, container, proc: proc('x', { exe: '3', exepath: '/memfd:payload (deleted)', isExeFromMemfd: true }) }])).toEqual([
      'Fileless Execution',
    ]);
  });

  it('stay quiet on the benign look-alikes', () => {
    const quiet: VigilEvent[] = [
      // Reads that are not the sensitive files, and their legitimate readers.
      open('/etc/passwd', 'r', proc('cat')),
      open('/etc/shadow', 'r', proc('sshd')),
      open('/etc/shadow', 'r', proc('unix_chkpwd')),
      open('/etc/shadow', 'r', proc('cat'), false),
      open('/etc/shadow', 'r', proc('cat'), true, -13),
      // Package managers and their children installing programs and configuration.
      open('/usr/bin/curl', 'w', proc('dpkg')),
      open(
        '/usr/bin/python3.11',
        'w',
        proc('tar', {
          ancestors: [
            { pid: 3, name: 'dpkg' },
            { pid: 2, name: 'apt-get' },
          ],
        }),
      ),
      open('/etc/ld.so.cache~', 'w', proc('ldconfig', { ancestors: [{ pid: 3, name: 'apk' }] })),
      open('/usr/bin/ls', 'r', proc('sh')),
      open('/usr/lib/x86_64-linux-gnu/libc.so.6', 'w', proc('cp')),
      // Applications rendering their own configuration at start.
      open('/etc/nginx/conf.d/default.conf', 'w', proc('envsubst')),
      open('/tmp/x', 'w', proc('sh')),
      // Runtimes joining a container's namespaces for `kubectl exec`, running from their memfd copy.
      syscall('setns', proc('runc:[1:CHILD]'), [{ name: 'fd', value: '5' }]),
      syscall('setns', proc('runc', { ancestors: [{ pid: 3, name: 'containerd-shim' }] })),
      syscall('setns', proc('nsenter'), [], false),
      { type: 'execve', source: 'syscall', timeMs: 1, proc: proc('runc:[2:INIT]', { exe: 'runc', exepath: '/memfd:runc_cloned:/proc/self/exe (deleted)', isExeFromMemfd: true }) },
      { type: 'execve', source: 'syscall', timeMs: 1, container, proc: proc('sleep', { isExeFromMemfd: false }) },
      // Other ptrace requests (a process tracing itself, reading).
      syscall('ptrace', proc('app'), [{ name: 'request', value: '0', resolved: 'PTRACE_TRACEME' }]),
      syscall('ptrace', proc('strace'), [{ name: 'request', value: '2', resolved: 'PTRACE_PEEKDATA' }]),
      // The kernel's own module requests and udev at boot.
      syscall('finit_module', proc('modprobe', { ppid: 2, ancestors: [{ pid: 2, name: 'kthreadd' }] }), [], false),
      syscall('finit_module', proc('systemd-udevd'), [], false),
    ];
    expect(alertsFor(quiet)).toEqual([]);
  });
});
