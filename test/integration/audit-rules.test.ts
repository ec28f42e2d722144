import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { type Auditd, type AuditState, auditState, auditUnavailable, restoreAudit, startAuditd } from './harness/audit.js';
import { removeAllPods, runPod, type Pod } from './harness/pods.js';

/**
 * The rules the kernel audit source makes able to fire, on real pods: each
 * stable Falco rule that became active with it is performed in a pod (in
 * the manner of Falco's event-generator) and must fire, and so must the
 * default library's file and privilege rules (`cat /etc/shadow`, a write
 * below /usr/bin, nsenter, a ptrace attach). "Fileless execution via
 * memfd_create" needs no audit: test/integration/proc-details.test.ts.
 *
 * Run alone: the kernel's audit state is global
 * (`flock /tmp/vigil-audit-dev.lock npx vitest run test/integration/audit-rules.test.ts`).
 */
const FALCO = fileURLToPath(new URL('../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));
const LIBRARY = fileURLToPath(new URL('../../rules/library', import.meta.url));
const TOOLS = 'vigil-test/tools:latest';
const X86 = process.arch !== 'arm64';
// Syscall numbers for perl's syscall(): x86_64 / aarch64.
const NR = { ptrace: X86 ? 101 : 117, finit_module: X86 ? 313 : 273 };
// The default library's file and privilege rules, by name, from their file.
const LIBRARY_RULES = [...readFileSync(join(LIBRARY, '50-file-privilege.yaml'), 'utf8').matchAll(/^- rule: (.+)$/gm)].map((m) => m[1]!);
const BUSYBOX = 'vigil-test/busybox:latest';
/**
 * Runs a script in the pod's shell, which lingers a second: its commands are
 * then its children (a lone command would be exec'd in place, a child of the
 * runtime's shim), so an event of a command already gone is still placed in
 * the pod through its parent.
 */
function shIn(target: Pod, script: string): void {
  docker('exec', target.id, 'sh', '-c', `${script}; sleep 1`);
}

const unavailable = integrationUnavailable() ?? auditUnavailable() ?? (existsSync(FALCO) ? undefined : `${FALCO} is absent`);

describe.skipIf(unavailable)('rules on kernel audit events, performed in pods', () => {
  let agent: AgentHandle;
  let before: AuditState;
  let pod: Pod;

  beforeAll(async () => {
    before = auditState();
    agent = await startAgent(['--audit', 'on', '--scan-interval-ms', '1000', '--rules', FALCO, '--rules', LIBRARY]);
    // One pod for every behaviour, with the capabilities the escapes need (not --privileged: a sandboxed dockerd may refuse it).
    pod = runPod({
      namespace: 'audit',
      pod: 'attacker',
      container: 'app',
      image: TOOLS,
      command: ['sleep', '600'],
      extraArgs: ['--cap-add', 'SYS_ADMIN', '--cap-add', 'SYS_MODULE', '--cap-add', 'SYS_PTRACE', '--cap-add', 'NET_ADMIN'],
    });
    // What the image lacks and the behaviours need (these writes below /etc alert too).
    sh('printf "root:*:19000:0:99999:7:::\\n" > /etc/shadow; mkdir -p /var/log; echo old > /var/log/syslog');
  }, 60_000);
  afterAll(async () => {
    removeAllPods();
    const code = await agent?.stop();
    // Whatever the agent did, the kernel is put back before anything is asserted.
    const after = auditState();
    if (before) restoreAudit(before, ['vigil']);
    expect(code).toBe(0);
    expect(after).toEqual(before);
  });

  const sh = (script: string): void => shIn(pod, script);
  /** Runs perl in the pod; it lingers 2 s so the process is still in /proc when its events are enriched. */
  function perl(code: string, argv0 = 'perl'): void {
    // bash's exec -a sets argv[0] (proc.exe), as an ssh client's would be.
    docker('exec', pod.id, 'bash', '-c', `exec -a ${argv0} perl -e '${code} sleep 2;'`);
  }
  const inPod = (rule: string) => (a: JsonAlert) => a.rule === rule && a.output_fields['container.id'] === pod.id.slice(0, 12);
  const fired = (rule: string): Promise<JsonAlert> => agent.waitForAlert(inPod(rule), 20_000);

  it('cat /etc/shadow fires the sensitive-file rules (the library and Falco stable)', async () => {
    sh('cat /etc/shadow > /dev/null');
    const a = await fired('Sensitive File Read in Container');
    expect(a.output_fields['fd.name']).toBe('/etc/shadow');
    expect(a.output_fields['k8s.pod.name']).toBe('attacker');
    await fired('Read sensitive file untrusted');
  });

  it('a write below /usr/bin fires Write Below Binary Directory', async () => {
    sh('cp /bin/busybox /usr/bin/kworker');
    const a = await fired('Write Below Binary Directory');
    expect(a.output_fields['fd.name']).toBe('/usr/bin/kworker');
  });

  it('nsenter (setns) fires Namespace Change in Container', async () => {
    // It runs sleep once in the namespaces, so the process is still there when its setns is enriched.
    sh('nsenter -t 1 -m -u -- sleep 2');
    const a = await fired('Namespace Change in Container');
    expect(a.output_fields['evt.type']).toBe('setns');
  });

  it('a ptrace attach fires the library and Falco stable rules; PTRACE_TRACEME fires the anti-debug rule', async () => {
    // Fork a child that sleeps, attach to it (PTRACE_ATTACH = 16), detach (17).
    perl(`my $c = fork(); if ($c == 0) { sleep 5; exit 0 } sleep 1; syscall(${NR.ptrace}, 16, $c, 0, 0); sleep 1; syscall(${NR.ptrace}, 17, $c, 0, 0); waitpid($c, 0);`);
    await fired('Ptrace Attach');
    await fired('PTRACE attached to process');
    perl(`syscall(${NR.ptrace}, 0, 0, 0, 0);`);
    await fired('PTRACE anti-debug attempt');
  });

  it("each newly active rule of Falco's stable file fires on its behaviour", async () => {
    const missed: string[] = [];
    const expectRule = async (rule: string): Promise<void> => {
      if (!(await fired(rule).catch(() => undefined))) missed.push(rule);
    };
    // Directory traversal: a path through `..` twice, opened by a non-shell.
    perl('open(my $f, "<", "/tmp/../etc/../etc/passwd") or die $!;');
    await expectRule('Directory traversal monitored file read');
    // A sensitive file read by a trusted program long after it started (nginx, here a copy of perl).
    sh('cp /usr/bin/perl /tmp/nginx');
    docker('exec', pod.id, '/tmp/nginx', '-e', 'sleep 6; open(my $f, "<", "/etc/shadow") or die $!;');
    await expectRule('Read sensitive file trusted after startup');
    // Clearing a log: a truncating open below /var/log.
    sh(': > /var/log/syslog');
    await expectRule('Clear Log Activities');
    sh('ln -s /etc/shadow /tmp/shadow-link');
    await expectRule('Create Symlink Over Sensitive Files');
    sh('ln /etc/shadow /tmp/shadow-hard');
    await expectRule('Create Hardlink Over Sensitive Files');
    // AF_PACKET = 17, SOCK_RAW = 3 (CAP_NET_RAW is in Docker's default set).
    perl('socket(my $s, 17, 3, 0) or die $!;');
    await expectRule('Packet socket created in container');
    // finit_module on /dev/null: refused by the kernel (nothing is loaded), seen all the same, with CAP_SYS_MODULE effective.
    perl(`open(my $f, "<", "/dev/null") or die; my $args = ""; syscall(${NR.finit_module}, fileno($f), $args, 0);`);
    await expectRule('Linux Kernel Module Injection Detected');
    // A write to a file named release_agent by root with CAP_SYS_ADMIN: the shell writes it
    // itself, after a second, so the process table has read its capabilities by then.
    sh('sleep 1; echo /tmp/x > /tmp/release_agent');
    await expectRule('Detect release_agent File Container Escapes');
    // An "ssh" client to a public address on port 443, kept inside the pod's own network namespace.
    sh('ip addr add 203.0.113.7/32 dev lo; (nc -l -p 443 > /dev/null &) ; sleep 1');
    perl('use Socket; socket(my $s, PF_INET, SOCK_STREAM, 0) or die; connect($s, sockaddr_in(443, inet_aton("203.0.113.7"))) or die $!;', 'ssh');
    await expectRule('Disallowed SSH Connection Non Standard Port');
    expect(missed).toEqual([]);
  });

  it("a benign pod's day raises none of the file and privilege rules", async () => {
    const quiet = runPod({ namespace: 'audit', pod: 'benign', container: 'app', image: BUSYBOX, command: ['sleep', '600'] });
    const run = (script: string): void => shIn(quiet, script);
    // What applications and operators do: exec into the pod, read the user database and
    // configuration, write temp and data files, list and run programs, resolve names.
    run('id; cat /etc/passwd /etc/group /etc/hosts /etc/resolv.conf > /dev/null; ls -l /usr/bin /bin > /dev/null');
    run('mkdir -p /tmp/app /var/tmp/cache; echo data > /tmp/app/state; cp /tmp/app/state /var/tmp/cache/; rm -r /tmp/app');
    run('for i in 1 2 3; do date > /tmp/tick; sleep 0.2; done; ps > /dev/null; nslookup localhost > /dev/null 2>&1; true');
    docker('exec', quiet.id, 'sleep', '1');
    // A sentinel after the benign steps: once its alert is in, the steps' events were processed.
    run('printf "root:*:1:0:::::\\n" > /tmp/s; cat /tmp/s > /dev/null; mkdir -p /var/log; echo x > /var/log/app.log');
    // Tried again if its alert does not come: on a loaded machine the kernel may drop a record (counted, logged).
    let sentinel: JsonAlert | undefined;
    for (let i = 0; i < 3 && !sentinel; i++) {
      run(`cp /bin/busybox /usr/bin/sentinel${i}`);
      sentinel = await agent.waitForAlert((a) => a.rule === 'Write Below Binary Directory' && a.output_fields['container.id'] === quiet.id.slice(0, 12), 10_000).catch(() => undefined);
    }
    expect(sentinel).toBeDefined();
    const noise = agent.alerts.filter((a) => a.output_fields['container.id'] === quiet.id.slice(0, 12) && LIBRARY_RULES.includes(a.rule) && a.rule !== 'Write Below Binary Directory');
    expect(noise.map((a) => `${a.rule}: ${a.output}`)).toEqual([]);
  });
});

describe.skipIf(unavailable)("the same with Debian's auditd running: vigil reads the multicast group", () => {
  let agent: AgentHandle;
  let before: AuditState;
  let auditd: Auditd;
  let pod: Pod;

  let daemon: AuditState;

  beforeAll(async () => {
    before = auditState();
    auditd = await startAuditd();
    daemon = auditState();
    agent = await startAgent(['--audit', 'on', '--scan-interval-ms', '1000', '--rules', LIBRARY]);
    pod = runPod({ namespace: 'audit', pod: 'with-auditd', container: 'app', image: TOOLS, command: ['sleep', '600'], extraArgs: ['--cap-add', 'SYS_ADMIN'] });
  }, 60_000);
  afterAll(async () => {
    removeAllPods();
    const code = await agent?.stop();
    // vigil leaves auditd's state as it found it (pid, enabled flag, backlog limit, rules); auditd's own exit leaves auditing enabled.
    const withDaemon = auditState();
    await auditd?.stop();
    if (before) restoreAudit(before, ['vigil']);
    expect(code).toBe(0);
    expect(withDaemon).toEqual(daemon);
    expect(auditState()).toEqual(before);
  });

  it("cat /etc/shadow, a write below /usr/bin and nsenter fire, and auditd's log still gets their records", async () => {
    expect(await agent.metrics()).toMatch(/^vigil_audit_source_info\{mode="multicast"\} 1$/m);
    const fired = (rule: string): Promise<JsonAlert> => agent.waitForAlert((a) => a.rule === rule && a.output_fields['container.id'] === pod.id.slice(0, 12), 20_000);
    shIn(pod, 'printf "root:*:19000:0:99999:7:::\\n" > /etc/shadow');
    shIn(pod, 'cat /etc/shadow > /dev/null');
    await fired('Sensitive File Read in Container');
    shIn(pod, 'cp /bin/busybox /usr/bin/kworker');
    await fired('Write Below Binary Directory');
    shIn(pod, 'nsenter -t 1 -m -u -- sleep 2');
    await fired('Namespace Change in Container');
    const log = readFileSync(auditd.logFile, 'utf8');
    expect(log).toMatch(/syscall=308 .*key="vigil"|syscall=268 .*key="vigil"/);
    expect(log).toContain('name="/etc/shadow"');
  });
});
