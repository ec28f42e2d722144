import { INTERPRETERS, NETWORK_TOOLS, SHELLS, VERSIONED_INTERPRETER_PREFIXES } from '../../core/programs.js';
import type { VigilEvent } from '../../rules/event.js';

/**
 * The syscall-source rules of rules/library/*.yaml written by hand in
 * TypeScript: the ceiling for the engine on vigil's default rules. Same
 * semantics (a missing field fails its comparison, so `not` of it holds),
 * same dispatch by event type, the library's lists as Sets (the allowlists
 * are empty, as shipped). The metric rules are left out: all but one have
 * `for:`, which is state over time, not a condition.
 */
type P = (e: VigilEvent) => boolean;

const shells = new Set(SHELLS);
const interpreters = new Set(INTERPRETERS);
const networkTools = new Set(NETWORK_TOOLS);
const allowedRemoteShellImages = new Set<string>();
const allowedRemoteShellParents = new Set<string>();
const knownShellSpawnImages = new Set<string>();
const unmanagedAllowed = new Set<string>();
const privilegedAllowed = new Set<string>();
const allowedEdges = new Set<string>();
const allowedEdgeDestinations = new Set<string>();
const enforcedNamespaces = new Set<string>();

const inContainer = (e: VigilEvent): boolean => e.container !== undefined;
const repoIn = (e: VigilEvent, s: ReadonlySet<string>): boolean => {
  const r = e.container?.imageRepository;
  return r !== undefined && s.has(r);
};
const shellOrInterpreter = (n: string): boolean => shells.has(n) || interpreters.has(n) || VERSIONED_INTERPRETER_PREFIXES.some((p) => n.startsWith(p));
const cmdline = (p: NonNullable<VigilEvent['proc']>): string => (p.args && p.args.length > 0 ? `${p.name} ${p.args.join(' ')}` : p.name);
const allowedEdge = (e: VigilEvent): boolean => e.edge !== undefined && (allowedEdges.has(e.edge.key) || allowedEdgeDestinations.has(e.edge.dst));

const dup: P[] = [
  // Reverse Shell
  (e) =>
    (e.rawres === 1 || e.rawres === 2) &&
    (e.fd?.type === 'ipv4' || e.fd?.type === 'ipv6') &&
    e.proc !== undefined &&
    shellOrInterpreter(e.proc.name) &&
    !(repoIn(e, allowedRemoteShellImages) || (e.proc.ancestors?.[0] !== undefined && allowedRemoteShellParents.has(e.proc.ancestors[0].name))),
];
const execve: P[] = [
  // Netcat Remote Code Execution in Container
  (e) => {
    const p = e.proc;
    if (!inContainer(e) || p === undefined) return false;
    if (p.name === 'nc' || p.name === 'netcat') {
      const c = cmdline(p);
      return c.includes(' -e') || c.includes(' -c');
    }
    if (p.name !== 'ncat') return false;
    const a = p.args === undefined ? '' : p.args.join(' ');
    return a.includes('--sh-exec') || a.includes('--exec') || a.includes('-e ') || a.includes('-c ') || a.includes('--lua-exec');
  },
  // Terminal Shell in Container
  (e) => inContainer(e) && e.proc !== undefined && shells.has(e.proc.name) && e.proc.tty !== undefined && e.proc.tty !== 0 && !repoIn(e, knownShellSpawnImages),
  // Network Tool Launched in Container
  (e) => inContainer(e) && e.proc !== undefined && networkTools.has(e.proc.name),
  // Drift Detected
  (e) => inContainer(e) && e.proc?.isExeUpperLayer === true,
];
const container: P[] = [
  // Container Not Managed by Kubernetes
  (e) => e.container?.state === 'started' && e.k8s?.podName === undefined && !repoIn(e, unmanagedAllowed),
  // Privileged Container Started
  (e) => e.container?.state === 'started' && e.container.privileged === true && !repoIn(e, privilegedAllowed),
];
const unexpected: P = (e) => e.edge?.isNew === true && !allowedEdge(e);
const connect: P[] = [
  unexpected,
  // Disallowed Pod Connection
  (e) => e.k8s !== undefined && enforcedNamespaces.has(e.k8s.ns) && !allowedEdge(e),
];
const byType: Record<string, P[]> = { dup, execve, container, connect, accept: [unexpected] };
const none: P[] = [];

export const HAND_LIBRARY_RULE_COUNT = 9;

/** Returns the number of matching rules (all-match). */
export function handwrittenLibrary(e: VigilEvent): number {
  const ps = byType[e.type] ?? none;
  let n = 0;
  for (let i = 0; i < ps.length; i++) if (ps[i]!(e)) n++;
  return n;
}
