import { celMatcher } from './cel-runner.js';

/**
 * The default bench rules translated by hand to CEL (@marcbachmann/cel-js),
 * parsed once and evaluated per event, with the same dispatch by event type
 * as the engine. has() guards give Falco's "missing field fails" semantics;
 * an evaluation error counts as no match.
 */
const shells = '["ash", "bash", "csh", "ksh", "sh", "tcsh", "zsh", "dash"]';
const ctr = 'has(e.container)';

const SOURCES: Record<string, string[]> = {
  execve: [
    `${ctr} && has(e.proc) && e.proc.name in ${shells} && has(e.proc.tty) && e.proc.tty != 0`,
    `${ctr} && has(e.proc) && e.proc.name in ["nc", "ncat", "netcat"] && has(e.proc.args) && (e.proc.args.join(" ").contains("-e") || e.proc.args.join(" ").contains("-c"))`,
    `${ctr} && has(e.proc) && e.proc.name in ["apt", "apt-get", "dpkg", "yum", "dnf", "rpm", "apk", "pip", "pip3", "npm", "gem"]`,
    `has(e.proc) && (e.proc.name in ["xmrig", "minerd", "cpuminer", "ccminer"] || (e.proc.name + " " + (has(e.proc.args) ? e.proc.args.join(" ") : "")).contains("stratum+tcp"))`,
    `has(e.proc) && e.proc.name in ${shells} && has(e.proc.ancestors) && size(e.proc.ancestors) > 0 && e.proc.ancestors[0].name in ["nginx", "httpd", "apache2", "node", "java", "php-fpm", "gunicorn"]`,
    `${ctr} && has(e.proc.isExeUpperLayer) && e.proc.isExeUpperLayer == true`,
  ],
  connect: [
    // CEL has no CIDR type: the private ranges are written as prefixes of the dotted quad.
    `has(e.fd.rport) && e.fd.rport in [3333, 4444, 5555, 6666, 7777, 14444, 45700] && has(e.fd.rip) && !(e.fd.rip.startsWith("10.") || e.fd.rip.startsWith("192.168.") || e.fd.rip.matches("^172\\\\.(1[6-9]|2[0-9]|3[01])\\\\."))`,
    `${ctr} && has(e.fd.rip) && e.fd.rip == "169.254.169.254" && has(e.k8s) && !(e.k8s.ns in ["kube-system"])`,
  ],
  dup: [`has(e.rawres) && e.rawres in [0, 1, 2] && has(e.fd) && e.fd.type in ["ipv4", "ipv6"] && ${ctr}`],
  container: [
    `${ctr} && has(e.container.state) && e.container.state == "started" && has(e.container.privileged) && e.container.privileged && has(e.container.imageRepository) && !e.container.imageRepository.startsWith("registry.k8s.io/")`,
  ],
  metric: [
    `e.metric.subject == "filesystem" && "fs.used_ratio" in e.metric.values && e.metric.values["fs.used_ratio"] > 0.9 && has(e.metric.labels.fstype) && !(e.metric.labels.fstype in ["tmpfs", "overlay", "squashfs"])`,
    `e.metric.subject == "node" && "node.cpu.iowait_ratio" in e.metric.values && e.metric.values["node.cpu.iowait_ratio"] > 0.3`,
    `e.metric.subject == "container" && "container.cpu.limit_ratio" in e.metric.values && e.metric.values["container.cpu.limit_ratio"] > 0.95`,
  ],
};

export const CEL_RULE_COUNT = Object.values(SOURCES).reduce((n, l) => n + l.length, 0);

export const cel = celMatcher(SOURCES);
