import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseYamlSteps } from '../../../../rules/loader/yaml-steps.js';
import { runSteps } from '../../../../rules/slices.js';

const texts: Record<string, string> = {
  rules: `- rule: r\n  desc: d\n  condition: evt.type = execve\n  output: "x %proc.name"\n  priority: WARNING\n`,
  large: Array.from({ length: 2_000 }, (_, i) => `- list: l${i}\n  items: [a${i}, "b ${i}"]`).join('\n'),
  duplicateKey: '- rule: r\n  rule: s\n',
  badIndent: '- rule: r\n desc: d\n   x: [\n',
  twoDocuments: '- list: a\n  items: [x]\n---\n- list: b\n  items: [y]\n',
  empty: '',
  comment: '# only a comment\n',
};

describe('parseYamlSteps', () => {
  for (const [name, text] of Object.entries(texts)) {
    it(`parses ${name} as parseAllDocuments does`, () => {
      const parsed = parseAllDocuments(text, { schema: 'failsafe', prettyErrors: false });
      const expected = Array.isArray(parsed) ? parsed : [];
      const docs = runSteps(parseYamlSteps(text));
      expect(docs.map((d) => d.toJS())).toEqual(expected.map((d) => d.toJS()));
      expect(docs.map((d) => d.errors.map((e) => [e.code, e.pos, e.message]))).toEqual(expected.map((d) => d.errors.map((e) => [e.code, e.pos, e.message])));
      expect(docs.map((d) => d.warnings.length)).toEqual(expected.map((d) => d.warnings.length));
    });
  }

  it('yields while it parses a large text', () => {
    const steps = parseYamlSteps(texts.large!);
    let yields = 0;
    while (!steps.next().done) yields++;
    expect(yields).toBeGreaterThan(10);
  });
});
