import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pathIdentity } from '../../../../rules/reload/path-identity.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-pathid-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pathIdentity: what makes the rules watcher re-arm', () => {
  it('changes when the rules path becomes a symlink, when the link is pointed elsewhere, and when the target goes', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    mkdirSync(a);
    mkdirSync(b);
    const rules = join(root, 'rules');
    mkdirSync(rules);
    const asDir = await pathIdentity(rules);
    expect(asDir).toMatch(/^dir:/);
    rmSync(rules, { recursive: true });
    symlinkSync(a, rules);
    const toA = await pathIdentity(rules);
    expect(toA).not.toBe(asDir);
    expect(toA).toContain(`->${a}`);
    expect(await pathIdentity(rules)).toBe(toA); // stable while nothing changes: no needless re-arm
    unlinkSync(rules);
    symlinkSync(b, rules);
    const toB = await pathIdentity(rules);
    expect(toB).not.toBe(toA);
    expect(toB).toContain(`->${b}`);
    rmSync(b, { recursive: true });
    expect(await pathIdentity(rules)).not.toBe(toB); // a dangling link is not the directory it was
  });

  it('changes with the mode (made unreadable) and reads missing for an absent path', async () => {
    const f = join(root, 'file.yaml');
    writeFileSync(f, '- rule: x\n');
    const before = await pathIdentity(f);
    expect(before).toMatch(/^file:/);
    chmodSync(f, 0o000);
    expect(await pathIdentity(f)).not.toBe(before);
    expect(await pathIdentity(join(root, 'nope'))).toBe('missing:ENOENT');
  });
});
