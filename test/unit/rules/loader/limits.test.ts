import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRulePaths } from '../../../../rules/loader/files.js';
import { checkItemCount, DEFAULT_RULE_INPUT_LIMITS } from '../../../../rules/loader/limits.js';

const dir = mkdtempSync(join(tmpdir(), 'vigil-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const limits = { ...DEFAULT_RULE_INPUT_LIMITS, maxFileBytes: 1000, maxTotalBytes: 1500, maxItemsPerFile: 3, maxItemsTotal: 5 };

describe('rule input limits', () => {
  it('rejects a file over the size limit without reading it, and files over the total', async () => {
    writeFileSync(join(dir, 'big.yaml'), `# ${'x'.repeat(2000)}\n`);
    writeFileSync(join(dir, 'a.yaml'), `# ${'x'.repeat(900)}\n`);
    writeFileSync(join(dir, 'b.yaml'), `# ${'x'.repeat(900)}\n`);
    const r = await readRulePaths([join(dir, 'big.yaml'), join(dir, 'a.yaml'), join(dir, 'b.yaml')], limits);
    expect(r.files.map((f) => f.path)).toEqual([join(dir, 'a.yaml')]);
    expect(r.errors.map((e) => [e.code, e.message])).toEqual([
      ['VIGIL_RULES_TOO_LARGE', 'rule file is 2003 bytes, over the limit of 1000: not loaded'],
      ['VIGIL_RULES_TOO_LARGE', 'rule files add up to over 1500 bytes: not loaded'],
    ]);
  });

  it('counts top-level items before parsing', () => {
    expect(checkItemCount('f', '- a: 1\n- b: 2\n-\n  c: 3\n', limits)).toEqual({ items: 3 });
    expect(checkItemCount('f', '- a\n- b\n- c\n- d\n', limits).issue?.message).toBe('rule file has over 3 top-level items: not loaded');
    expect(checkItemCount('f', '  - nested\n  - nested\n  - nested\n  - nested\n', limits)).toEqual({ items: 0 });
    expect(checkItemCount('f', '- a\n- b\n', limits, 4).issue?.message).toBe('rule files add up to over 5 top-level items: not loaded');
  });
});
