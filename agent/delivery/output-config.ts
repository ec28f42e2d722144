import { parse as parseYaml } from 'yaml';
import type { EnvelopeKind } from './envelope.js';
import { PRIORITIES, type PriorityName } from './priority.js';
import { FACILITIES, type Facility } from './formats/syslog.js';

/**
 * The `outputs:` list: push outputs, each with a name, a type, its own
 * filter and spool, and type-specific settings. Validated here, every
 * problem reported as `outputs[i].key: message`.
 */
export type OutputConfig = FileOutputConfig | HttpOutputConfig | SyslogOutputConfig | AlertmanagerOutputConfig | NatsOutputConfig;

export interface OutputCommon {
  /** The metric label and the spool's directory name: `[a-z0-9_-]`, unique. */
  readonly name: string;
  readonly filter: OutputFilter;
  /** Cap of this output's on-disk spool; past it the oldest records are evicted (and announced). */
  readonly spoolMaxBytes: number;
  /** Longest wait between two attempts while the receiver is down (the wait doubles from 250 ms). */
  readonly maxBackoffMs: number;
  /** Most records sent in one attempt. */
  readonly batchSize: number;
}

export interface OutputFilter {
  readonly kinds: readonly EnvelopeKind[];
  /** Alerts at this priority or more severe. */
  readonly minPriority: PriorityName;
  /** Only these rules (empty: all). */
  readonly rules: readonly string[];
  /** Only these Kubernetes namespaces (empty: all, host processes included). */
  readonly namespaces: readonly string[];
}

export interface TlsFiles {
  readonly caFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  /** Name to verify the server's certificate against (default: the host). */
  readonly serverName?: string;
}

export interface FileOutputConfig extends OutputCommon {
  readonly type: 'file';
  readonly path: string;
  /** The file is rotated (path.1, path.2, …) before it would pass this size. */
  readonly maxBytes: number;
  /** Rotated files kept besides the current one. */
  readonly maxFiles: number;
}

export interface HttpOutputConfig extends OutputCommon {
  readonly type: 'http';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls?: TlsFiles;
  readonly timeoutMs: number;
}

export interface SyslogOutputConfig extends OutputCommon {
  readonly type: 'syslog';
  readonly host: string;
  readonly port: number;
  readonly tls?: TlsFiles;
  readonly facility: Facility;
  readonly timeoutMs: number;
  /** How long the connection must stay up after a write before the records count as delivered (TCP has no receipt). */
  readonly confirmMs: number;
}

export interface AlertmanagerOutputConfig extends OutputCommon {
  readonly type: 'alertmanager';
  /** Alertmanager's base URL; alerts go to <url>/api/v2/alerts. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly tls?: TlsFiles;
  readonly timeoutMs: number;
  /** An alert not raised again for this long is resolved (its endsAt). */
  readonly resolveAfterMs: number;
}

export interface NatsOutputConfig extends OutputCommon {
  readonly type: 'nats';
  readonly servers: readonly string[];
  /** Subjects are <prefix>.<node>.<priority> (alerts) or <prefix>.<node>.<kind>; a JetStream stream must cover them. */
  readonly subjectPrefix: string;
  readonly tls?: TlsFiles;
  readonly timeoutMs: number;
}

export const OUTPUT_TYPES = ['file', 'http', 'syslog', 'alertmanager', 'nats'] as const;
const KINDS: readonly EnvelopeKind[] = ['exec', 'exit', 'connection', 'stdio', 'container', 'metric', 'alert', 'loss'];
/** Formats that carry Falco alerts only (a loss notice travels as an alert). */
const ALERT_ONLY = new Set(['http', 'syslog', 'alertmanager']);

export interface OutputIssue {
  /** Relative to the key: `[0].url`. */
  readonly path: string;
  readonly message: string;
}

type Raw = Record<string, unknown>;

/** Parses the `outputs` value (a YAML list from the file, or YAML/JSON text from a flag or env). */
export function parseOutputs(raw: unknown): { ok: true; value: readonly OutputConfig[] } | { ok: false; issues: OutputIssue[] } {
  const issues: OutputIssue[] = [];
  if (typeof raw === 'string') {
    try {
      raw = parseYaml(raw);
    } catch (err) {
      return { ok: false, issues: [{ path: '', message: `is not valid YAML: ${(err as Error).message.split('\n')[0]}` }] };
    }
  }
  if (!Array.isArray(raw)) return { ok: false, issues: [{ path: '', message: 'must be a list of outputs' }] };
  const out: OutputConfig[] = [];
  const names = new Set<string>();
  raw.forEach((item, i) => {
    const r = new Reader(item, `[${i}]`, issues);
    const o = r.output();
    if (!o) return;
    if (names.has(o.name)) issues.push({ path: `[${i}].name`, message: `"${o.name}" is used by an earlier output` });
    names.add(o.name);
    out.push(o);
  });
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value: out };
}

class Reader {
  private readonly used = new Set<string>();
  private readonly obj: Raw;
  constructor(
    raw: unknown,
    private readonly at: string,
    private readonly issues: OutputIssue[],
  ) {
    this.obj = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Raw) : {};
    if (this.obj !== raw) this.fail('', 'must be a mapping');
  }

  fail(key: string, message: string): undefined {
    this.issues.push({ path: key ? `${this.at}.${key}` : this.at, message });
    return undefined;
  }

  private get(key: string): unknown {
    this.used.add(key);
    return this.obj[key];
  }

  str(key: string, def?: string, re?: RegExp, what = 'a non-empty string'): string | undefined {
    const v = this.get(key);
    if (v === undefined) return def ?? this.fail(key, 'is required');
    if (typeof v !== 'string' || v === '' || v.includes('\0') || (re && !re.test(v))) return this.fail(key, `must be ${what} (got ${JSON.stringify(v)})`);
    return v;
  }

  int(key: string, def: number, min: number, max: number): number {
    const v = this.get(key);
    if (v === undefined) return def;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      this.fail(key, `must be an integer between ${min} and ${max} (got ${JSON.stringify(v)})`);
      return def;
    }
    return v;
  }

  strList(key: string, allowed?: readonly string[]): string[] {
    const v = this.get(key);
    if (v === undefined) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '' || (allowed && !allowed.includes(s)))) {
      this.fail(key, `must be a list of ${allowed ? `values from ${allowed.join(', ')}` : 'non-empty strings'} (got ${JSON.stringify(v)})`);
      return [];
    }
    return v as string[];
  }

  oneOf<T extends string>(key: string, values: readonly T[], def?: T): T | undefined {
    const v = this.get(key);
    if (v === undefined) return def ?? this.fail(key, `is required (one of ${values.join(', ')})`);
    if (!values.includes(v as T)) return this.fail(key, `must be one of ${values.join(', ')} (got ${JSON.stringify(v)})`);
    return v as T;
  }

  child(key: string): Reader | undefined {
    const v = this.get(key);
    return v === undefined ? undefined : new Reader(v, `${this.at}.${key}`, this.issues);
  }

  headers(key: string): Record<string, string> {
    const v = this.get(key);
    if (v === undefined) return {};
    const ok = v && typeof v === 'object' && !Array.isArray(v) && Object.entries(v).every(([k, s]) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && typeof s === 'string' && !/[\r\n\0]/.test(s));
    if (!ok) {
      this.fail(key, 'must map header names (RFC 9110 tokens) to single-line strings');
      return {};
    }
    return { ...(v as Record<string, string>) };
  }

  tls(): TlsFiles | undefined {
    const t = this.child('tls');
    if (!t) return undefined;
    const tls = { caFile: t.str('caFile', ''), certFile: t.str('certFile', ''), keyFile: t.str('keyFile', ''), serverName: t.str('serverName', '') };
    if (!tls.certFile !== !tls.keyFile) t.fail('', 'certFile and keyFile go together (client certificate for mTLS)');
    t.unknownKeys();
    return Object.fromEntries(Object.entries(tls).filter(([, v]) => v)) as TlsFiles;
  }

  url(key: string): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return this.fail(key, `must be an http:// or https:// URL (got ${JSON.stringify(v)})`);
    } catch {
      return this.fail(key, `must be an http:// or https:// URL (got ${JSON.stringify(v)})`);
    }
    return v;
  }

  unknownKeys(): void {
    for (const k of Object.keys(this.obj)) if (!this.used.has(k)) this.fail(k, 'unknown key');
  }

  output(): OutputConfig | undefined {
    const type = this.oneOf('type', OUTPUT_TYPES);
    const name = this.str('name', undefined, /^[a-z0-9][a-z0-9_-]{0,62}$/, 'lower-case letters, digits, `-` and `_` (it names the spool directory and the metric label)');
    const f = this.child('filter');
    const kinds = (f?.strList('kinds', KINDS) ?? []) as EnvelopeKind[];
    const filter: OutputFilter = {
      kinds: kinds.length > 0 ? kinds : ['alert'],
      minPriority: f?.oneOf('minPriority', PRIORITIES, 'Debug') ?? 'Debug',
      rules: f?.strList('rules') ?? [],
      namespaces: f?.strList('namespaces') ?? [],
    };
    f?.unknownKeys();
    if (type && ALERT_ONLY.has(type) && filter.kinds.some((k) => k !== 'alert' && k !== 'loss')) {
      f?.fail('kinds', `a ${type} output carries alerts only (and loss notices, which always pass)`);
    }
    const s = this.child('spool');
    const common = {
      name: name ?? '',
      filter,
      spoolMaxBytes: s?.int('maxBytes', 64 << 20, 1 << 16, 2 ** 40) ?? 64 << 20,
      maxBackoffMs: this.int('maxBackoffMs', 30_000, 250, 3_600_000),
      batchSize: this.int('batchSize', 500, 1, 100_000),
    };
    s?.unknownKeys();
    let o: OutputConfig | undefined;
    const timeoutMs = () => this.int('timeoutMs', 10_000, 100, 600_000);
    switch (type) {
      case 'file':
        o = { ...common, type, path: this.str('path') ?? '', maxBytes: this.int('maxBytes', 100 << 20, 4096, 2 ** 40), maxFiles: this.int('maxFiles', 5, 1, 1000) };
        break;
      case 'http':
        o = { ...common, type, url: this.url('url') ?? '', headers: this.headers('headers'), tls: this.tls(), timeoutMs: timeoutMs() };
        break;
      case 'syslog':
        o = {
          ...common,
          type,
          host: this.str('host') ?? '',
          port: this.int('port', 514, 1, 65535),
          tls: this.tls(),
          facility: this.oneOf('facility', Object.keys(FACILITIES) as Facility[], 'local0') ?? 'local0',
          timeoutMs: timeoutMs(),
          confirmMs: this.int('confirmMs', 250, 0, 60_000),
        };
        break;
      case 'alertmanager':
        o = {
          ...common,
          type,
          url: this.url('url') ?? '',
          headers: this.headers('headers'),
          tls: this.tls(),
          timeoutMs: timeoutMs(),
          resolveAfterMs: this.int('resolveAfterMs', 300_000, 1000, 86_400_000),
        };
        break;
      case 'nats': {
        const servers = this.strList('servers');
        if (servers.length === 0) this.fail('servers', 'must list at least one nats:// or tls:// server');
        o = {
          ...common,
          type,
          servers,
          tls: this.tls(),
          timeoutMs: timeoutMs(),
          subjectPrefix: this.str('subjectPrefix', 'vigil', /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'NATS subject tokens (letters, digits, - and _) separated by dots') ?? 'vigil',
        };
        break;
      }
      case undefined:
        return undefined;
    }
    this.unknownKeys();
    return o;
  }
}
