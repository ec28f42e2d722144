import { describe, expect, it } from 'vitest';
import { compileLinearRegex } from '../../../../rules/compiler/regex.js';

describe('compileLinearRegex (RE2 semantics, full match)', () => {
  it('matches the whole string, like Falco', () => {
    expect(compileLinearRegex('/usr/bin/(ba|z)sh').test('/usr/bin/zsh')).toBe(true);
    expect(compileLinearRegex('bin/bash').test('/usr/bin/bash')).toBe(false);
    expect(compileLinearRegex('(?P<shell>ba|z)sh').test('bash')).toBe(true);
  });

  it('runs a catastrophic-backtracking pattern over a long input without backtracking', () => {
    // JavaScript's engine takes 2^n steps here: a 34-character input froze the agent for 30 s.
    const re = compileLinearRegex('(a+)+$');
    expect(re.test(`${'a'.repeat(5000)}!`)).toBe(false);
    expect(re.test('a'.repeat(5000))).toBe(true);
  });

  it.each(['(?=a)a', '(a)\\1', '(?<!x)y', 'a('])('rejects %s, which RE2 does not support', (src) => {
    expect(() => compileLinearRegex(src)).toThrow(/error parsing regexp/);
  });
});
