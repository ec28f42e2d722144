import { describe, expect, it } from 'vitest';
import { planRulesWatch } from '../../../../rules/reload/watch-plan.js';

describe('planRulesWatch', () => {
  const dirs = new Set(['/etc/vigil/rules.d']);
  const plan = planRulesWatch(['/etc/vigil/rules.d', '/tmp/work/custom.yaml', '/tmp/work/more.yml'], (p) => dirs.has(p));

  it('watches a rules directory itself and a rules file through its directory, once each', () => {
    expect(plan.dirs).toEqual(['/etc/vigil/rules.d', '/tmp/work']);
  });

  it('never ignores the watched directories', () => {
    expect(plan.ignored('/etc/vigil/rules.d')).toBe(false);
    expect(plan.ignored('/tmp/work')).toBe(false);
  });

  it.each([
    ['/etc/vigil/rules.d/a.yaml', false],
    ['/etc/vigil/rules.d/B.YML', false],
    ['/etc/vigil/rules.d/..data', false],
    ['/etc/vigil/rules.d/..2026_11_28_20_00_00.123', false],
    ['/etc/vigil/rules.d/..data_tmp', false],
    ['/etc/vigil/rules.d/README.md', true],
    ['/etc/vigil/rules.d/a.yaml.swp', true],
    ['/tmp/work/custom.yaml', false],
    ['/tmp/work/more.yml', false],
    ['/tmp/work/..data', false],
    ['/tmp/work/other.yaml', true], // a file path watches only that file, not its YAML neighbours
    ['/tmp/work/iowait.bin', true],
    ['/tmp/work/filling', true],
    ['/tmp/work/filling/chunk1', true], // below a watched directory
    ['/var/log/syslog', true],
  ])('%s ignored: %s', (path, ignored) => {
    expect(plan.ignored(path)).toBe(ignored);
  });

  it('resolves relative paths the way chokidar reports them', () => {
    const rel = planRulesWatch(['rules/library'], () => true);
    expect(rel.dirs).toEqual([`${process.cwd()}/rules/library`]);
    expect(rel.ignored('rules/library/reverse-shell.yaml')).toBe(false);
    expect(rel.ignored('rules/library/notes.txt')).toBe(true);
  });
});
