import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../../rules/cli/validate.js';

const FIX = fileURLToPath(new URL('../../../fixtures/rules/', import.meta.url));

async function validate(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += String(d)));
  stderr.on('data', (d) => (err += String(d)));
  const code = await run(args, { stdout, stderr });
  return { code, out, err };
}

describe('vigil rules validate', () => {
  it('exits 0 and prints the summary when every file loads', async () => {
    const r = await validate([`${FIX}base.yaml`, `${FIX}overrides.yaml`]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split('\n').pop()).toMatch(/^\d+ rules active, \d+ disabled$/);
  });

  it('exits 1 with file:line:col: error lines; warnings go to stderr', async () => {
    const r = await validate(['rules', 'validate', `${FIX}bad/errors.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${FIX}bad/errors.yaml:3:24: error: unknown operator 'likes'`);
    expect(r.out).toMatch(/0 rules active, 0 disabled, \d+ errors\n$/);
    expect(r.err).toContain(`${FIX}bad/errors.yaml:25:3: warning: unknown key 'frobnicate'`);
  });

  it('-v prints expanded conditions; usage errors exit 2', async () => {
    const v = await validate(['-v', `${FIX}base.yaml`]);
    expect(v.out).toContain('rule "Private network connect" active: evt.type = connect and (fd.snet in ("10.0.0.0/8"');
    expect((await validate([])).code).toBe(2);
    expect((await validate(['--bogus', 'x'])).code).toBe(2);
    expect((await validate([`${FIX}nope.yaml`])).code).toBe(1);
  });
});
