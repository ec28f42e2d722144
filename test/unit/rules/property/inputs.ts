import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { COMPARE_OPS } from '../../../../rules/parser/parser.js';

/**
 * Seeds and mutators for the property tests: real rule files and
 * conditions (ours and Falco's stable rules when present), cut into items,
 * then damaged the way hand edits and bad merges damage them.
 */

const FIX = fileURLToPath(new URL('../../../fixtures/rules/', import.meta.url));
const FALCO = fileURLToPath(new URL('../../../../../shared/corpora/falco/falco_rules.yaml', import.meta.url));

function fixtureFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...fixtureFiles(join(dir, e.name)));
    else if (/\.ya?ml$/.test(e.name)) out.push(readFileSync(join(dir, e.name), 'utf8'));
  }
  return out;
}

export const falcoText: string | undefined = existsSync(FALCO) ? readFileSync(FALCO, 'utf8') : undefined;
export const seedFiles: string[] = [...fixtureFiles(FIX), ...(falcoText ? [falcoText] : [])];

/** Top-level items (`- rule:` ... up to the next `- `) of every seed file, and runs of 1-3 items. */
export const seedSnippets: string[] = (() => {
  const out: string[] = [];
  for (const f of seedFiles) {
    const items = f.split(/\n(?=- )/);
    for (let i = 0; i < items.length; i++) {
      out.push(items[i]!);
      if (i + 1 < items.length) out.push(`${items[i]}\n${items[i + 1]}`);
      if (i + 2 < items.length) out.push(`${items[i]}\n${items[i + 1]}\n${items[i + 2]}`);
    }
  }
  return out.filter((s) => s.trim().length > 0);
})();

/** Every condition written in the seeds (single-line ones, and folded ones joined). */
export const seedConditions: string[] = (() => {
  const out = new Set<string>();
  for (const f of seedFiles) {
    const lines = f.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const m = /^\s+condition:\s*(.*)$/.exec(lines[i]!);
      if (!m) continue;
      if (m[1] === '>' || m[1] === '|') {
        const body: string[] = [];
        for (let j = i + 1; j < lines.length && /^\s{3,}\S/.test(lines[j]!); j++) body.push(lines[j]!.trim());
        out.add(body.join(' '));
      } else if (m[1]) {
        out.add(m[1].replace(/^['"]|['"]$/g, ''));
      }
    }
  }
  out.add('proc.name in (a, "b c", \'d\') and tolower(basename(proc.exe)) = val(proc.pname) or not k8s.pod.label[app] exists');
  out.add('container.label["io.kubernetes.pod.name"] startswith web and fd.num >= 0x10 and metric.value < -1.5e+3');
  return [...out];
})();

const TOKENS = [
  ...COMPARE_OPS,
  ' ',
  ' ',
  ' ',
  '\n',
  '\t',
  '(',
  ')',
  '((',
  '))',
  ',',
  '"',
  "'",
  '\\',
  '\\"',
  '[',
  ']',
  'and',
  'or',
  'not',
  'not(',
  ' and ',
  ' or ',
  ' not ',
  ' in ',
  'exists',
  'val(',
  'tolower(',
  'toupper(',
  'basename(',
  'b64(',
  'len(',
  'proc.name',
  'proc.aname[2]',
  'fd.name',
  'evt.type',
  'k8s.pod.label[app]',
  'container.id',
  'spawned_process',
  'shell_binaries',
  'x',
  '0',
  '-1',
  '0x1f',
  '1.5e+3',
  '/usr/bin',
  '192.168.0.0/16',
  '*',
  ':',
  '-',
  '- ',
  '#',
  '&a',
  '*a',
  '!!',
  '%',
  '@',
  '{',
  '}',
  '|',
  '>',
  '\u00e9',
  '\u{1F600}',
  '\u0000',
  '\r\n',
  '  - rule: ',
  'condition: ',
  'override:',
  'append: true',
  'items: [',
  'exceptions:',
];

export const token = fc.constantFrom(...TOKENS);

type Mutation = { op: 'delete'; at: number; len: number } | { op: 'insert'; at: number; text: string } | { op: 'swap'; a: number; b: number } | { op: 'dup'; at: number; len: number; to: number };

const pos = fc.nat({ max: 1_000_000 });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: pos, len: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ op: fc.constant('insert' as const), at: pos, text: fc.oneof(token, fc.string({ maxLength: 4 }), fc.string({ maxLength: 3, unit: 'binary' })) }),
  fc.record({ op: fc.constant('swap' as const), a: pos, b: pos }),
  fc.record({ op: fc.constant('dup' as const), at: pos, len: fc.integer({ min: 1, max: 40 }), to: pos }),
);

export function applyMutations(base: string, ms: readonly Mutation[]): string {
  let s = base;
  for (const m of ms) {
    const n = s.length;
    if (n === 0 && m.op !== 'insert') continue;
    switch (m.op) {
      case 'delete': {
        const at = m.at % n;
        s = s.slice(0, at) + s.slice(at + m.len);
        break;
      }
      case 'insert': {
        const at = m.at % (n + 1);
        s = s.slice(0, at) + m.text + s.slice(at);
        break;
      }
      case 'swap': {
        const a = m.a % n;
        const b = m.b % n;
        const arr = [...s];
        if (a < arr.length && b < arr.length) {
          const t = arr[a]!;
          arr[a] = arr[b]!;
          arr[b] = t;
          s = arr.join('');
        }
        break;
      }
      case 'dup': {
        const at = m.at % n;
        const piece = s.slice(at, at + m.len);
        const to = m.to % (n + 1);
        s = s.slice(0, to) + piece + s.slice(to);
        break;
      }
    }
  }
  return s;
}

/** A seed from `seeds`, damaged by 1..maxMutations edits. */
export function mutated(seeds: readonly string[], maxMutations: number): fc.Arbitrary<string> {
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: maxMutations })).map(([i, ms]) => applyMutations(seeds[i]!, ms));
}

/** A sequence of language tokens, often plausible, mostly not. */
export const tokenSoup: fc.Arbitrary<string> = fc.array(token, { maxLength: 30 }).map((ts) => ts.join(''));
