/** `npm run manifests:rules`: regenerates manifests/configmap-rules.yaml from rules/library/. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';
import { rulesConfigMapYaml } from './rules-configmap.js';

const root = packageRoot();
writeFileSync(join(root, 'manifests/configmap-rules.yaml'), rulesConfigMapYaml(join(root, 'rules/library')));
process.stdout.write('manifests/configmap-rules.yaml written\n');
