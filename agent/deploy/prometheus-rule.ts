import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';

/**
 * The prometheus-operator overlay's PrometheusRule from the plain rule file
 * (manifests/prometheus/vigil-alerts.rules.yaml, which promtool checks and
 * tests directly): the same groups under spec, so the two never drift.
 */
export function prometheusRuleYaml(rulesFile: string): string {
  const { groups } = parse(readFileSync(rulesFile, 'utf8')) as { groups: unknown[] };
  const doc = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: 'vigil',
      // kube-prometheus-stack's default ruleSelector; change it to yours.
      labels: { 'app.kubernetes.io/name': 'vigil', release: 'prometheus' },
    },
    spec: { groups },
  };
  return `# Generated from manifests/prometheus/vigil-alerts.rules.yaml by \`npm run manifests:rules\`; edit the rules there.\n${stringify(doc, { lineWidth: 0 })}`;
}
