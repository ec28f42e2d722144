import { readFileSync, statSync } from 'node:fs';
import { isChurn } from '../../core/errors.js';

/**
 * uid -> user name from a passwd file (the host's /etc/passwd, which a
 * DaemonSet sees at /host/etc/passwd). Parsed once and re-parsed only when
 * the file's mtime or size changes; the stat that checks that runs at most
 * once per `checkIntervalMs` so a burst of lookups costs nothing.
 * An unknown uid prints as its number, like ps does.
 */
export interface PasswdCache {
  lookup(uid: number): string;
}

export function createPasswdCache(path: string, opts: { readonly checkIntervalMs?: number; readonly now?: () => number; readonly onError?: (err: unknown) => void } = {}): PasswdCache {
  const checkIntervalMs = opts.checkIntervalMs ?? 1000;
  const now = opts.now ?? Date.now;
  let names = new Map<number, string>();
  let stamp = '';
  let checkedAt = -Infinity;

  function refresh(): void {
    const t = now();
    if (t - checkedAt < checkIntervalMs) return;
    checkedAt = t;
    try {
      const st = statSync(path);
      const next = `${st.mtimeMs}:${st.size}:${st.ino}`;
      if (next === stamp) return;
      names = parsePasswd(readFileSync(path, 'utf8'));
      stamp = next;
    } catch (err) {
      // A missing passwd file (minimal host images) means numeric users only.
      if (!isChurn(err)) opts.onError?.(err);
      names = new Map();
      stamp = '';
    }
  }

  return {
    lookup(uid) {
      refresh();
      return names.get(uid) ?? String(uid);
    },
  };
}

export function parsePasswd(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const f = line.split(':');
    const uid = Number(f[2]);
    // The first entry for a uid wins, as getpwuid does.
    if (f[0] && f.length >= 3 && f[2] !== '' && Number.isInteger(uid) && !names.has(uid)) names.set(uid, f[0]);
  }
  return names;
}
