/**
 * Falco's glob (fnmatch(3) without FNM_PATHNAME) as a RegExp: the `glob`
 * operator (rules/compiler) and the container.mount*[GLOB] fields
 * (rules/fields) share it.
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
