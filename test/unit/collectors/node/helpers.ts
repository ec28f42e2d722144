import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
export { testDeps, type TestDeps } from '../../../helpers/deps.js';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/', import.meta.url));

/** Runs `promtool check metrics` on the text; returns its exit status and combined output. */
export function promtoolCheck(text: string): { status: number | null; output: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function hasPromtool(): boolean {
  return spawnSync('promtool', ['--version']).status === 0;
}

/** Series lines of one family, keyed by their label part. */
export function seriesOf(text: string, family: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line.startsWith(family)) continue;
    const rest = line.slice(family.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    const sp = line.lastIndexOf(' ');
    out.set(rest[0] === '{' ? line.slice(family.length, sp) : '', Number(line.slice(sp + 1)));
  }
  return out;
}
