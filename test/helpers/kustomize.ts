import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

export const REPO = join(import.meta.dirname, '../..');
export const MANIFESTS = join(REPO, 'manifests');

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

/** kubectl (its built-in kustomize) from PATH or VIGIL_KUBECTL; .ci/run provides one on a fresh machine. */
export const KUBECTL = process.env.VIGIL_KUBECTL ?? 'kubectl';

export function kustomizeUnavailable(): string | undefined {
  const r = spawnSync(KUBECTL, ['version', '--client'], { encoding: 'utf8' });
  const reason = r.status === 0 ? undefined : `no kustomize renderer (${KUBECTL}): ${r.error?.message ?? r.stderr}`;
  if (reason && process.env.VIGIL_REQUIRE_INTEGRATION === '1') throw new Error(`mandatory here: ${reason}`);
  if (reason) console.warn(`[vigil] skipping kustomize renders: ${reason}`);
  return reason;
}

export function renderDir(dir: string): K8sObject[] {
  const r = spawnSync(KUBECTL, ['kustomize', dir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`kubectl kustomize ${dir} failed:\n${r.stderr}`);
  return parseAllDocuments(r.stdout).map((d) => {
    if (d.errors.length) throw new Error(`${dir}: ${d.errors.map((e) => e.message).join('; ')}`);
    return d.toJS() as K8sObject;
  });
}

/** An overlay with `components` on top of `resources`, as a user would write one. */
export function renderWith(resources: readonly string[], components: readonly string[]): K8sObject[] {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kustomize-'));
  try {
    writeFileSync(
      join(dir, 'kustomization.yaml'),
      // kustomize takes no absolute roots.
      JSON.stringify({
        apiVersion: 'kustomize.config.k8s.io/v1beta1',
        kind: 'Kustomization',
        resources: resources.map((r) => relative(dir, r)),
        components: components.map((c) => relative(dir, c)),
      }),
    );
    return renderDir(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
