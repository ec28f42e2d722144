import { INTERPRETERS, NETWORK_TOOLS, SHELLS, VERSIONED_INTERPRETER_PREFIXES } from '../../core/programs.js';
import { celMatcher } from './cel-runner.js';

/**
 * The syscall-source rules of rules/library/*.yaml translated by hand to CEL
 * (@marcbachmann/cel-js), parsed once, evaluated with the same dispatch by
 * event type as the engine. has() guards give Falco's "a missing field fails
 * its comparison" (so `not` of it holds); an evaluation error counts as no
 * match. Metric rules are left out (see handwritten-library.ts).
 */
const list = (xs: readonly string[]): string => JSON.stringify(xs);
const shells = list(SHELLS);
const interpreters = list(INTERPRETERS);
const tools = list(NETWORK_TOOLS);
const versioned = VERSIONED_INTERPRETER_PREFIXES.map((p) => `e.proc.name.startsWith(${JSON.stringify(p)})`).join(' || ');
const ctr = 'has(e.container)';
const repoIn = (l: string): string => `(has(e.container) && has(e.container.imageRepository) && e.container.imageRepository in ${l})`;
const args = '(has(e.proc.args) ? e.proc.args.join(" ") : "")';
const cmd = '(e.proc.name + (has(e.proc.args) && size(e.proc.args) > 0 ? " " + e.proc.args.join(" ") : ""))';
const allowedEdge = '(has(e.edge) && (e.edge.key in [] || e.edge.dst in []))';
const unexpected = `has(e.edge) && e.edge.isNew == true && !${allowedEdge}`;

const SOURCES: Record<string, string[]> = {
  dup: [
    `has(e.rawres) && e.rawres in [1, 2] && has(e.fd) && e.fd.type in ["ipv4", "ipv6"] && has(e.proc)` +
      ` && (e.proc.name in ${shells} || e.proc.name in ${interpreters} || ${versioned})` +
      ` && !(${repoIn('[]')} || (has(e.proc.ancestors) && size(e.proc.ancestors) > 0 && e.proc.ancestors[0].name in []))`,
  ],
  execve: [
    `${ctr} && has(e.proc) && ((e.proc.name in ["nc", "netcat"] && (${cmd}.contains(" -e") || ${cmd}.contains(" -c")))` +
      ` || (e.proc.name == "ncat" && (${args}.contains("--sh-exec") || ${args}.contains("--exec") || ${args}.contains("-e ")` +
      ` || ${args}.contains("-c ") || ${args}.contains("--lua-exec"))))`,
    `${ctr} && has(e.proc) && e.proc.name in ${shells} && has(e.proc.tty) && e.proc.tty != 0 && !${repoIn('[]')}`,
    `${ctr} && has(e.proc) && e.proc.name in ${tools}`,
    `${ctr} && has(e.proc) && has(e.proc.isExeUpperLayer) && e.proc.isExeUpperLayer == true`,
  ],
  container: [
    `${ctr} && has(e.container.state) && e.container.state == "started" && !(has(e.k8s) && has(e.k8s.podName)) && !${repoIn('[]')}`,
    `${ctr} && has(e.container.state) && e.container.state == "started" && has(e.container.privileged) && e.container.privileged == true && !${repoIn('[]')}`,
  ],
  connect: [unexpected, `has(e.k8s) && e.k8s.ns in [] && !${allowedEdge}`],
  accept: [unexpected],
};

export const CEL_LIBRARY_RULE_COUNT = new Set(Object.values(SOURCES).flat()).size;

export const celLibrary = celMatcher(SOURCES);
