import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../../rules/cli/validate.js';

const FIX = fileURLToPath(new URL('../../../fixtures/rules/', import.meta.url));
const STABLE = fileURLToPath(new URL('../../../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));

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
    expect(r.out.trim().split('\n').pop()).toMatch(/^\d+ rules active, \d+ disabled for missing fields, \d+ disabled as never firing, \d+ disabled by file$/);
  });

  it('exits 1 with file:line:col: error lines; warnings go to stderr', async () => {
    const r = await validate(['rules', 'validate', `${FIX}bad/errors.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`${FIX}bad/errors.yaml:3:24: error: unknown operator 'likes'`);
    expect(r.out).toMatch(/0 rules active, 0 disabled for missing fields, 0 disabled as never firing, 0 disabled by file, \d+ errors \(\d+ rules dropped\)\n$/);
    expect(r.err).toContain(`${FIX}bad/errors.yaml:25:3: warning: unknown key 'frobnicate'`);
  });

  it('a tuning file with a misspelled field exits 1 with the position and a suggestion', async () => {
    const r = await validate([STABLE, `${FIX}tuning-typo.yaml`]);
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      `${FIX}tuning-typo.yaml:5:16: error: unknown field 'k8s.ns.nmae': neither a vigil field nor a Falco or plugin field; did you mean 'k8s.ns.name'? [rule "Terminal shell in container"] (VIGIL_RULES_UNKNOWN_FIELD)`,
    );
    expect(r.out).toMatch(/, 1 error \(1 rule dropped\)\n$/);
  });

  it('runs the full compile: type errors and output typos fail at their position', async () => {
    const r = await validate([`${FIX}compile-errors.yaml`]);
    expect(r.code).toBe(1);
    // The operator of `proc.pid contains 1`, inside the condition; `%proc.nmae` inside the output.
    expect(r.out).toContain(`${FIX}compile-errors.yaml:3:36: error: operator contains is not valid for a number field`);
    expect(r.out).toContain(`${FIX}compile-errors.yaml:9:17: error: output: unknown field 'proc.nmae'`);
    expect(r.out).toContain("did you mean 'proc.name'?");
    expect(r.out).toMatch(/0 rules active, .*, 2 errors \(2 rules dropped\)\n$/);
  });

  it("Falco's three rule files load with no error; the summary shows the four counts", async () => {
    const r = await validate(['--audit', 'off', STABLE, `${FIX}falco/falco-incubating_rules.yaml`, `${FIX}falco/falco-sandbox_rules.yaml`]);
    expect(r.out).toContain('counted as an agent without the kernel audit source (--audit off)');
    expect(r.out.split('\n').filter((l) => l.includes(': error: '))).toEqual([]);
    expect(r.code).toBe(0);
    const m = /^(\d+) rules active, (\d+) disabled for missing fields, (\d+) disabled as never firing, (\d+) disabled by file$/.exec(r.out.trim().split('\n').pop()!);
    expect(m).not.toBeNull();
    const [active, missing, never, byFile] = m!.slice(1).map(Number) as [number, number, number, number];
    expect(active).toBeGreaterThan(20);
    // Only fd.sip.name (a DNS name of the server) is still lacking: "Contact K8S API Server From Container".
    expect(missing).toBe(1);
    // Rules on file and privilege syscalls (setns, openat...) need the audit source's events.
    expect(never).toBeGreaterThanOrEqual(20);
    expect(r.err).toContain('rule "Change thread namespace" loaded disabled: it matches only event types this sensor never emits (setns;');
    expect(byFile).toBeGreaterThan(0);
  });

  it('counts as an agent with the audit source by default, and says how many active rules need it', async () => {
    const files = [STABLE, `${FIX}falco/falco-incubating_rules.yaml`, `${FIX}falco/falco-sandbox_rules.yaml`];
    const on = await validate(files);
    const off = await validate(['--audit', 'off', ...files]);
    const counts = (out: string): number[] => /^(\d+) rules active, (\d+) disabled for missing fields, (\d+) disabled as never firing/.exec(out.trim().split('\n').pop()!)!.slice(1).map(Number);
    const [activeOn, , neverOn] = counts(on.out) as [number, number, number];
    const [activeOff, , neverOff] = counts(off.out) as [number, number, number];
    const need = Number(/: (\d+) of the active rules fire only on its events/.exec(on.out)?.[1]);
    expect(on.code).toBe(0);
    // Stable + incubating + sandbox: 30 active before the audit source and the /proc fields, at least 60 with them.
    expect(activeOn).toBeGreaterThanOrEqual(60);
    expect(need).toBeGreaterThan(0);
    // Exactly the rules that only audit events fire move from "never firing" to active.
    expect(activeOn - activeOff).toBe(need);
    expect(neverOff - neverOn).toBe(need);
    expect(on.err).not.toContain('rule "Change thread namespace" loaded disabled');
    expect((await validate(['--audit', 'maybe', STABLE])).code).toBe(2);
  });

  it('-v prints expanded conditions; usage errors exit 2', async () => {
    const v = await validate(['-v', `${FIX}base.yaml`]);
    expect(v.out).toContain('rule "Private network connect" active: evt.type = connect and (fd.snet in ("10.0.0.0/8"');
    expect((await validate([])).code).toBe(2);
    expect((await validate(['--bogus', 'x'])).code).toBe(2);
    expect((await validate([`${FIX}nope.yaml`])).code).toBe(1);
  });
});
