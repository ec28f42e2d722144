import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../../agent/config/index.js';

const readme = readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Push outputs'), readme.indexOf('\n## ', readme.indexOf('## Push outputs') + 5));
const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("README's push-output examples", () => {
  it('has one per output type and the common one', () => {
    expect(examples.length).toBe(6);
  });
  for (const [i, text] of examples.entries()) {
    it(`example ${i + 1} is a valid config file`, () => {
      const c = loadConfig({ flags: { config: '/x.yaml' }, env: {}, readFile: () => text });
      expect(c.outputs.length).toBe(1);
    });
  }
});
