/** Where the generated manifests and their sources live, relative to the package root. */
export const MANIFEST_SOURCES = {
  rulesLibrary: 'rules/library',
  rulesConfigMap: 'manifests/base/configmap-rules.yaml',
  alertRules: 'manifests/prometheus/vigil-alerts.rules.yaml',
  prometheusRule: 'manifests/overlays/prometheus-operator/prometheusrule.yaml',
} as const;
