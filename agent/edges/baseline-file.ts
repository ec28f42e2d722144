import type { Identity, IdentityKind } from './identity.js';

/**
 * The on-disk baseline (JSON). Versioned so a later agent can migrate it;
 * identities are stored once and edges refer to them by id, which keeps the
 * file small and gives the exporter everything it needs without the agent.
 */
export interface BaselineEdge {
  readonly src: string;
  readonly dst: string;
  readonly port: number;
  readonly proto: 'tcp' | 'udp';
  readonly firstSeenMs: number;
}

export interface BaselineFile {
  readonly version: 1;
  readonly learningStartedMs: number;
  /** The window the agent was configured with when it last wrote the file (informational). */
  readonly learningWindowMs: number;
  readonly savedMs: number;
  readonly identities: Readonly<Record<string, Identity>>;
  /** Sorted by key, so the file diffs cleanly. */
  readonly edges: readonly BaselineEdge[];
}

const KINDS: ReadonlySet<IdentityKind> = new Set(['pod', 'container', 'host', 'ip', 'external']);

/** Checks the shape of a parsed file; returns the problem, or undefined when it is usable. */
export function baselineProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const f = v as Record<string, unknown>;
  if (f.version !== 1) return `unsupported version ${JSON.stringify(f.version)}`;
  if (!Number.isFinite(f.learningStartedMs)) return 'learningStartedMs is not a number';
  if (typeof f.identities !== 'object' || f.identities === null || Array.isArray(f.identities)) return 'identities is not an object';
  for (const [id, ident] of Object.entries(f.identities as Record<string, unknown>)) {
    const i = ident as Partial<Identity> | null;
    if (typeof i !== 'object' || i === null || i.id !== id || !KINDS.has(i.kind as IdentityKind)) return `identity "${id}" is malformed`;
  }
  if (!Array.isArray(f.edges)) return 'edges is not an array';
  for (const [n, e] of (f.edges as unknown[]).entries()) {
    const x = e as Partial<BaselineEdge> | null;
    if (typeof x !== 'object' || x === null || typeof x.src !== 'string' || typeof x.dst !== 'string' || !Number.isInteger(x.port) || (x.proto !== 'tcp' && x.proto !== 'udp')) {
      return `edges[${n}] is malformed`;
    }
  }
  return undefined;
}
