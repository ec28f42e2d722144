/**
 * Glob, pmatch and regex helpers, all compiled once at load.
 */

import { compileGlob, escapeRegExp, globToRegExpSource } from '../glob.js';

export { compileGlob, escapeRegExp, globToRegExpSource };

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
