import { cidrContains, parseCidr, parseIp } from '../../rules/fields/index.js';
import type { VigilEvent } from '../../rules/event.js';

/**
 * The default bench rules written by hand in TypeScript: the ceiling a
 * compiled rule engine can approach. Same semantics (a missing field fails
 * the comparison), same dispatch by event type.
 */
type P = (e: VigilEvent) => boolean;

const shells = new Set(['ash', 'bash', 'csh', 'ksh', 'sh', 'tcsh', 'zsh', 'dash']);
const pkgs = new Set(['apt', 'apt-get', 'dpkg', 'yum', 'dnf', 'rpm', 'apk', 'pip', 'pip3', 'npm', 'gem']);
const minerPorts = new Set([3333, 4444, 5555, 6666, 7777, 14444, 45700]);
const web = new Set(['nginx', 'httpd', 'apache2', 'node', 'java', 'php-fpm', 'gunicorn']);
const miners = new Set(['xmrig', 'minerd', 'cpuminer', 'ccminer']);
const nets = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((s) => parseCidr(s)!);
const inContainer = (e: VigilEvent): boolean => e.container !== undefined;
const cmdline = (e: VigilEvent): string => {
  const p = e.proc!;
  return p.args && p.args.length > 0 ? `${p.name} ${p.args.join(' ')}` : p.name;
};

const exec: P[] = [
  (e) => inContainer(e) && e.proc !== undefined && shells.has(e.proc.name) && e.proc.tty !== undefined && e.proc.tty !== 0,
  (e) =>
    inContainer(e) &&
    e.proc !== undefined &&
    (e.proc.name === 'nc' || e.proc.name === 'ncat' || e.proc.name === 'netcat') &&
    e.proc.args !== undefined &&
    (e.proc.args.join(' ').includes('-e') || e.proc.args.join(' ').includes('-c')),
  (e) => inContainer(e) && e.proc !== undefined && pkgs.has(e.proc.name),
  (e) => e.proc !== undefined && (miners.has(e.proc.name) || cmdline(e).includes('stratum+tcp')),
  (e) => e.proc !== undefined && shells.has(e.proc.name) && e.proc.ancestors?.[0] !== undefined && web.has(e.proc.ancestors[0].name),
  (e) => inContainer(e) && e.proc?.isExeUpperLayer === true,
];
const connect: P[] = [
  (e) => {
    const f = e.fd;
    if (f?.rport === undefined || !minerPorts.has(f.rport) || f.rip === undefined) return false;
    const ip = parseIp(f.rip);
    return ip !== undefined && !nets.some((n) => cidrContains(n, ip));
  },
  (e) => inContainer(e) && e.fd?.rip === '169.254.169.254' && e.k8s !== undefined && e.k8s.ns !== 'kube-system',
];
const dup: P[] = [(e) => e.rawres !== undefined && e.rawres <= 2 && e.rawres >= 0 && (e.fd?.type === 'ipv4' || e.fd?.type === 'ipv6') && inContainer(e)];
const container: P[] = [
  (e) => e.container?.state === 'started' && e.container.privileged === true && e.container.imageRepository !== undefined && !e.container.imageRepository.startsWith('registry.k8s.io/'),
];
const metric: P[] = [
  (e) => {
    const m = e.metric;
    if (m?.subject !== 'filesystem') return false;
    const v = m.values['fs.used_ratio'];
    const t = m.labels?.fstype;
    return v !== undefined && v > 0.9 && t !== undefined && t !== 'tmpfs' && t !== 'overlay' && t !== 'squashfs';
  },
  (e) => {
    const m = e.metric;
    if (m?.subject !== 'node') return false;
    const v = m.values['node.cpu.iowait_ratio'];
    return v !== undefined && v > 0.3;
  },
  (e) => {
    const m = e.metric;
    if (m?.subject !== 'container') return false;
    const v = m.values['container.cpu.limit_ratio'];
    return v !== undefined && v > 0.95;
  },
];
const byType: Record<string, P[]> = { execve: exec, connect, dup, container, metric };
const none: P[] = [];

/** Returns the number of matching rules (all-match). */
export function handwritten(e: VigilEvent): number {
  const ps = byType[e.type] ?? none;
  let n = 0;
  for (let i = 0; i < ps.length; i++) if (ps[i]!(e)) n++;
  return n;
}
