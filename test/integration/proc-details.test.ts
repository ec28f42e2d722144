import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { docker, integrationUnavailable } from './docker-env.js';
import { startAgent, type AgentHandle, type JsonAlert } from './harness/agent.js';
import { removeAllPods, runPod, type Pod } from './harness/pods.js';

/**
 * The fields vigil reads from /proc and the runtime for Falco's rules
 * (thread.cap_*, proc.env, proc.is_vpgid_leader, user.loginuid,
 * container.mount.*), on real pods, and Falco's stable "Fileless execution
 * via memfd_create" performed in a pod: perl copies busybox into a
 * memfd_create() file and executes it through its fd.
 */
const FALCO = fileURLToPath(new URL('../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));
const TOOLS = 'vigil-test/tools:latest';
const BUSYBOX = 'vigil-test/busybox:latest';
// memfd_create's syscall number: the test machines are x86_64 or aarch64.
const MEMFD_CREATE = process.arch === 'arm64' ? 279 : 319;
const unavailable = integrationUnavailable() ?? (existsSync(FALCO) ? undefined : `${FALCO} is absent`);

const PROBE = `
- rule: Probe details
  desc: prints the fields under test for the probe's sleep
  condition: evt.type = execve and proc.name = sleep and proc.args = "7" and container.id != host
  output: >
    probe caps=%thread.cap_effective permitted=%thread.cap_permitted env=%proc.env[PROBE_VAR]
    leader=%proc.is_vpgid_leader vpgid=%proc.vpgid loginuid=%user.loginuid dest=%container.mount.dest[/tmp/vigil-i14c-mnt-*]
  priority: NOTICE
`;

describe.skipIf(unavailable)('fields from /proc and the runtime, on pods', () => {
  let agent: AgentHandle;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vigil-i14c-mnt-'));
    writeFileSync(join(dir, 'probe.yaml'), PROBE);
    agent = await startAgent(['--scan-interval-ms', '1000', '--rules', FALCO, '--rules', join(dir, 'probe.yaml')]);
  });
  afterEach(() => removeAllPods());
  afterAll(async () => {
    removeAllPods();
    expect(await agent?.stop()).toBe(0);
    rmSync(dir, { recursive: true, force: true });
  });

  const inPod = (pod: Pod, rule: string) => (a: JsonAlert) => a.rule === rule && a.output_fields['container.id'] === pod.id.slice(0, 12);

  it('capabilities, environment, process group, login uid and mounts of a pod process, as Falco formats them', async () => {
    const pod = runPod({
      namespace: 'details',
      pod: 'plain',
      container: 'app',
      image: BUSYBOX,
      command: ['sh', '-c', 'sleep 7; true'],
      extraArgs: ['-e', 'PROBE_VAR=  spaced value ', '-v', `${dir}:/data:ro`],
    });
    const a = await agent.waitForAlert(inPod(pod, 'Probe details'), 15_000);
    const f = a.output_fields;
    // Docker's default set: CAP_CHOWN ... CAP_SETFCAP, no CAP_SYS_ADMIN.
    expect(String(f['thread.cap_effective'])).toMatch(/^CAP_CHOWN CAP_DAC_OVERRIDE .*CAP_SETFCAP$/);
    expect(String(f['thread.cap_effective'])).not.toContain('CAP_SYS_ADMIN');
    expect(f['thread.cap_permitted']).toBe(f['thread.cap_effective']);
    expect(f['proc.env[PROBE_VAR]']).toBe('spaced value');
    // sh runs sleep in its own process group only with job control: here it shares sh's (the container's pid 1).
    expect(f['proc.is_vpgid_leader']).toBe(false);
    expect(f['proc.vpgid']).toBe(1);
    expect(typeof f['user.loginuid']).toBe('number');
    expect(f['container.mount.dest[/tmp/vigil-i14c-mnt-*]']).toBe('/data');
  });

  it('a pod given CAP_SYS_ADMIN has it in its effective set', async () => {
    // --cap-add rather than --privileged: a sandboxed CI dockerd may lack capabilities a privileged container asks for.
    const pod = runPod({ namespace: 'details', pod: 'admin', container: 'app', image: BUSYBOX, command: ['sh', '-c', 'sleep 7; true'], extraArgs: ['--cap-add', 'SYS_ADMIN'] });
    const a = await agent.waitForAlert(inPod(pod, 'Probe details'), 15_000);
    expect(String(a.output_fields['thread.cap_effective'])).toContain('CAP_SYS_ADMIN');
    expect(a.output_fields['container.mount.dest[/tmp/vigil-i14c-mnt-*]']).toBeNull();
  });

  it("Falco's stable 'Fileless execution via memfd_create' fires for a program run from a memfd in a pod", async () => {
    const pod = runPod({ namespace: 'details', pod: 'fileless', container: 'app', image: TOOLS, command: ['sleep', '600'] });
    const perl = [
      `my $name = "payload"; my $fd = syscall(${MEMFD_CREATE}, $name, 0); die "memfd_create: $!" if $fd < 0;`,
      'open(my $in, "<", "/bin/busybox") or die; binmode $in; local $/; my $bin = <$in>;',
      'open(my $out, ">&=", $fd) or die; binmode $out; print $out $bin; select((select($out), $| = 1)[0]);',
      'exec {"/proc/self/fd/$fd"} "sleep", "2" or die "exec: $!";',
    ].join(' ');
    docker('exec', pod.id, 'perl', '-e', perl);
    const a = await agent.waitForAlert(inPod(pod, 'Fileless execution via memfd_create'), 15_000);
    expect(a.priority).toBe('Critical');
    expect(String(a.output_fields['proc.exepath'])).toMatch(/^\/memfd:payload/);
  });
});
