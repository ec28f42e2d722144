import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTableMarkdown, OPTIONS, withConfigTable } from '../../../../agent/config/index.js';

describe('README configuration table', () => {
  it('matches the schema (run `npm run docs:config` to regenerate)', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../../../README.md'), 'utf8');
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per setting with flag, env and default', () => {
    const rows = configTableMarkdown().split('\n').slice(2);
    expect(rows).toHaveLength(OPTIONS.length);
    for (const [i, o] of OPTIONS.entries()) {
      expect(rows[i]).toContain(`\`--${o.flag} `);
      expect(rows[i]).toContain(`\`${o.env}\``);
      expect(rows[i]).toContain(`\`${o.defaultText.replace(/\|/g, '\\|')}\``);
    }
  });
});
