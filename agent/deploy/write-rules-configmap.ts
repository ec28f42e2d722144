/**
 * `npm run manifests:rules`: regenerates the manifests built from other
 * files: manifests/base/configmap-rules.yaml from rules/library/, and the
 * prometheus-operator overlay's PrometheusRule from the plain alert rules.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { MANIFEST_SOURCES } from './manifest-sources.js';
import { prometheusRuleYaml } from './prometheus-rule.js';
import { rulesConfigMapYaml } from './rules-configmap.js';

const root = packageRoot();
const s = MANIFEST_SOURCES;
writeFileSync(join(root, s.rulesConfigMap), rulesConfigMapYaml(join(root, s.rulesLibrary)));
writeFileSync(join(root, s.prometheusRule), prometheusRuleYaml(join(root, s.alertRules)));
process.stdout.write(`${s.rulesConfigMap} and ${s.prometheusRule} written\n`);
