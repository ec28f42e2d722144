import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The repository's own biome.json, run on a small tree laid out like ours
// (test/fixtures/lint): the findings below are what `npm run lint` reports
// when someone writes an upward import or a cycle.
const ROOT = resolve(import.meta.dirname, '../../..');
const BIOME = join(ROOT, 'node_modules/.bin/biome');

function lintFixtureTree(): { findings: string[]; status: number | null } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-lint-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  cpSync(join(ROOT, 'test/fixtures/lint'), dir, { recursive: true });
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  config.vcs = { enabled: false };
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  const r = spawnSync(BIOME, ['lint', '--reporter=github', '--max-diagnostics=none', '.'], { cwd: dir, encoding: 'utf8' });
  // ::error title=lint/<group>/<rule>,file=<abs path>,line=N,...
  const findings = [...r.stdout.matchAll(/^::error title=lint\/\w+\/(\w+),file=([^,]+),line=(\d+)/gm)].map((m) => `${m[1]} ${m[2]!.slice(dir.length + 1)}:${m[3]}`);
  return { findings: findings.sort(), status: r.status };
}

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups) c();
});

describe('the layering lint (biome.json)', () => {
  it('reports the upward imports and the import cycle, and nothing in the allowed file', () => {
    const { findings, status } = lintFixtureTree();
    expect(findings).toEqual([
      'noImportCycles collectors/procfs/cycle-a.ts:2',
      'noImportCycles collectors/procfs/cycle-b.ts:1',
      'noRestrictedImports collectors/procfs/upward.ts:2',
      'noRestrictedImports core/contract.ts:2',
      'noRestrictedImports rules/sideways.ts:2',
    ]);
    expect(status).not.toBe(0);
  });
});
