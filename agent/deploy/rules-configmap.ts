import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/**
 * manifests/base/configmap-rules.yaml from rules/library/: the default rules as
 * the ConfigMap the DaemonSet mounts at /etc/vigil/rules. Generated (not
 * kustomize's configMapGenerator: it cannot read files outside manifests/)
 * and checked by a unit test, so the two never drift.
 */
export function rulesConfigMapYaml(libraryDir: string): string {
  const data: Record<string, string> = {};
  for (const name of readdirSync(libraryDir)
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()) {
    data[name] = readFileSync(join(libraryDir, name), 'utf8');
  }
  const doc = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'vigil-rules', labels: { 'app.kubernetes.io/name': 'vigil' } },
    data,
  };
  return `# Generated from rules/library/ by \`npm run manifests:rules\`; edit the rules there.\n${stringify(doc, { lineWidth: 0 })}`;
}
