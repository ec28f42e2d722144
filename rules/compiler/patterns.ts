/**
 * Glob, pmatch and regex helpers, all compiled once at load.
 */

const RE_SPECIAL = /[.*+?^${}()|[\]\\/]/g;

export function escapeRegExp(s: string): string {
  return s.replace(RE_SPECIAL, '\\$&');
}

/**
 * fnmatch(3) without FNM_PATHNAME, as Falco's `glob`: `*` also matches `/`,
 * `?` one character, `[abc]` / `[!abc]` / `[a-z]` a class, `\` escapes.
 */
export function globToRegExpSource(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) out += escapeRegExp(glob[++i]!);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      let neg = false;
      if (body.startsWith('!') || body.startsWith('^')) {
        neg = true;
        body = body.slice(1);
      }
      out += `[${neg ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else out += escapeRegExp(c);
  }
  return out;
}

export function compileGlob(glob: string, ignoreCase: boolean): RegExp {
  return new RegExp(`^${globToRegExpSource(glob)}$`, ignoreCase ? 'i' : '');
}

const hasGlob = (s: string): boolean => /[*?[]/.test(s);

/**
 * pmatch: true when one of the prefixes is the path or a parent directory of
 * it (component-wise, so /var/run does not match /var/runner). Prefixes may
 * contain globs (Falco >= 0.36).
 */
export function compilePmatch(prefixes: readonly string[]): (path: string) => boolean {
  const exact = new Set<string>();
  const globs: RegExp[] = [];
  let root = false;
  for (let p of prefixes) {
    while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
    if (p === '/') root = true;
    else if (hasGlob(p)) globs.push(new RegExp(`^${p.split('/').map(globToRegExpSourceNoSlash).join('/')}(?:/|$)`));
    else exact.add(p);
  }
  return (path) => {
    if (root) return path.startsWith('/');
    if (exact.size > 0) {
      // Walk the path's own prefixes: /a, /a/b, /a/b/c.
      let i = path.indexOf('/', 1);
      while (i > 0) {
        if (exact.has(path.slice(0, i))) return true;
        i = path.indexOf('/', i + 1);
      }
      if (exact.has(path)) return true;
    }
    for (const g of globs) if (g.test(path)) return true;
    return false;
  };
}

// Inside pmatch a glob stays within one path component.
function globToRegExpSourceNoSlash(component: string): string {
  return globToRegExpSource(component)
    .replace(/\[\\s\\S\]\*/g, '[^/]*')
    .replace(/\[\\s\\S\]/g, '[^/]');
}
