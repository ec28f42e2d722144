/**
 * N generated rules of the kind security teams add next to the default
 * library, as rule-file YAML (deterministic: rule i is always the same rule).
 * The mix, by i % 20:
 *
 *   0-7   (40%) a tool launched in a container:
 *         `spawned_process and container and proc.name in (3-6 tools)`,
 *         every other one with `and not k8s.ns.name in (...)`;
 *   8-10  (15%) a connection to a blocklisted address:
 *         `evt.type = connect and fd.sip in (3-8 addresses)`,
 *         some with `and fd.sport in (...)`;
 *   11-12 (10%) a suspicious command line: `spawned_process and container and
 *         proc.cmdline contains "..."`, half of them only for everyday
 *         tools (`proc.name in (curl, python3) and (... or ...)`);
 *   13-14 (10%) a shell under an unexpected parent:
 *         `spawned_process and proc.name in (shells) and proc.pname in (...)`;
 *   15-16 (10%) an unexpected outbound port from a container:
 *         `evt.type = connect and container and fd.sport in (...) and not proc.name in (...)`;
 *   17    (5%)  a binary run from a writable path: `spawned_process and proc.exepath startswith /tmp/`...;
 *   18-19 (10%) a tool rule with a Falco `exceptions:` block (proc.pname, container.image.repository).
 *
 * `spawned_process` and `container` are Falco's macros, defined here with
 * Falco's text so the file also loads on its own.
 */
const TOOLS = [
  'wget',
  'nmap',
  'socat',
  'tcpdump',
  'strace',
  'gdb',
  'base64',
  'chattr',
  'crontab',
  'useradd',
  'passwd',
  'mount',
  'insmod',
  'modprobe',
  'iptables',
  'helm',
  'ssh',
  'scp',
  'rsync',
  'nsenter',
  'unshare',
  'setcap',
  'mkfifo',
  'xxd',
  'shred',
  'systemctl',
  'docker',
  'crictl',
  'ctr',
  'sudo',
  'su',
  'telnet',
  'ftp',
  'tftp',
  'whoami',
  'uname',
  'masscan',
  'zmap',
  'hydra',
  'john',
  'hashcat',
  'gcc',
  'make',
  'nohup',
  'screen',
  'tmux',
  'lsof',
  'netstat',
  'ss',
];
// Everyday tools: rules on them are visited often and rarely match.
const COMMON = ['curl', 'python3', 'node', 'java', 'bash', 'sh'];
const SHELLS = '(ash, bash, csh, ksh, sh, tcsh, zsh, dash)';
const PARENTS = ['java', 'node', 'php-fpm', 'nginx', 'httpd', 'postgres', 'mysqld', 'redis-server', 'gunicorn', 'uwsgi', 'ruby', 'dotnet'];
const NAMESPACES = ['kube-system', 'monitoring', 'logging', 'istio-system', 'cert-manager', 'ingress-nginx'];
const CMDLINES = [
  'stratum+tcp://',
  '/dev/tcp/',
  'base64 -d',
  'chmod +s',
  '--privileged',
  'LD_PRELOAD=',
  'curl -s http',
  'wget -q -O -',
  'nc -e',
  'python -c',
  'perl -e',
  'id_rsa',
  '.aws/credentials',
  '/etc/shadow',
  'history -c',
  'crontab -r',
  'iptables -F',
  'setenforce 0',
  'kill -9 1',
  'mkfifo /tmp/',
];
const PORTS = [22, 23, 25, 445, 1433, 3306, 3389, 5900, 6667, 8333, 9001, 9050, 11211, 27017];
const REPOS = ['registry.example/ops/toolbox', 'registry.example/ci/runner', 'docker.io/library/busybox', 'quay.io/prometheus/node-exporter'];

/** Deterministic picks: the k-th item after a rule-specific offset. */
function pick<T>(xs: readonly T[], i: number, k: number): T {
  return xs[(i * 7 + k * 13) % xs.length]!;
}
function some<T>(xs: readonly T[], i: number, n: number): T[] {
  const out = new Set<T>();
  for (let k = 0; out.size < n && k < n * 4; k++) out.add(pick(xs, i, k));
  return [...out];
}
function ip(i: number, k: number): string {
  // Documentation ranges (RFC 5737) and a few public-looking ones; never an address the event mix uses.
  const nets = ['198.51.100', '203.0.113', '192.0.2', '45.9.148', '185.220.101'];
  return `${nets[(i + k) % nets.length]}.${((i * 31 + k * 17) % 254) + 1}`;
}

export function generatedRulesYaml(n: number, prefix = 'gen'): string {
  const out: string[] = ['- macro: spawned_process\n  condition: (evt.type in (execve, execveat) and evt.dir = <)\n', '- macro: container\n  condition: (container.id != host)\n'];
  for (let i = 0; i < n; i++) {
    const slot = i % 20;
    let cond: string;
    let exceptions = '';
    if (slot <= 7) {
      cond = `spawned_process and container and proc.name in (${some(TOOLS, i, 3 + (i % 4)).join(', ')})`;
      if (i % 2 === 1) cond += ` and not k8s.ns.name in (${some(NAMESPACES, i, 2).join(', ')})`;
    } else if (slot <= 10) {
      cond = `evt.type = connect and fd.sip in (${Array.from({ length: 3 + (i % 6) }, (_, k) => ip(i, k)).join(', ')})`;
      if (i % 3 === 0) cond += ` and fd.sport in (${some(PORTS, i, 3).join(', ')})`;
    } else if (slot === 11) {
      cond = `spawned_process and container and proc.cmdline contains "${pick(CMDLINES, i, 0)}"`;
    } else if (slot === 12) {
      cond =
        `spawned_process and container and proc.name in (${some(COMMON, i, 2).join(', ')})` +
        ` and (proc.cmdline contains "${pick(CMDLINES, i, 0)}" or proc.cmdline contains "${pick(CMDLINES, i, 1)}")`;
    } else if (slot <= 14) {
      cond = `spawned_process and proc.name in ${SHELLS} and proc.pname in (${some(PARENTS, i, 2).join(', ')})`;
    } else if (slot <= 16) {
      cond = `evt.type = connect and container and fd.sport in (${some(PORTS, i, 2).join(', ')}) and not proc.name in (${some(TOOLS, i, 2).join(', ')})`;
    } else if (slot === 17) {
      cond = `spawned_process and (proc.exepath startswith /tmp/ or proc.exepath startswith /dev/shm/) and not proc.name in (${some(TOOLS, i, 2).join(', ')})`;
    } else {
      cond = `spawned_process and container and proc.name in (${some(TOOLS, i, 4).join(', ')})`;
      exceptions =
        '  exceptions:\n    - name: known_parents\n      fields: [proc.pname, container.image.repository]\n      values:\n' +
        `        - [${pick(PARENTS, i, 0)}, ${pick(REPOS, i, 0)}]\n        - [${pick(PARENTS, i, 1)}, ${pick(REPOS, i, 1)}]\n`;
    }
    out.push(
      `- rule: ${prefix} rule ${i}\n  desc: generated rule ${i}\n  condition: ${cond}\n` +
        `  output: ${prefix} ${i} (proc=%proc.name cmd=%proc.cmdline container=%container.name)\n  priority: NOTICE\n  tags: [generated]\n${exceptions}`,
    );
  }
  return out.join('\n');
}
