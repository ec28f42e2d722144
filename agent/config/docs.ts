import { OPTIONS, type OptionSpec } from './schema.js';

const specs = OPTIONS as readonly OptionSpec[];

/** Flag lines for `vigil agent --help`, generated from the schema. */
export function flagHelp(width = 100): string {
  const lines: string[] = [];
  for (const s of specs) {
    const head = `  --${s.flag} ${s.arg}${s.repeatable ? ' (repeatable)' : ''}`;
    lines.push(head);
    for (const l of wrap(s.help.replace(/`/g, ''), width - 6)) lines.push(`      ${l}`);
    lines.push(`      env ${s.env}${s.inFile === false ? '' : `, file key ${s.key}`}; default ${s.defaultText}`);
  }
  return lines.join('\n');
}

export const README_BEGIN = '<!-- config-table:begin (generated from agent/config/schema.ts by `npm run docs:config`) -->';
export const README_END = '<!-- config-table:end -->';

/** The README's configuration table, generated from the schema. */
export function configTableMarkdown(): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = specs.map(
    (s) => `| \`${s.inFile === false ? '—' : s.key}\` | \`--${s.flag} ${esc(s.arg)}\`${s.repeatable ? ' (repeatable)' : ''} | \`${s.env}\` | \`${esc(s.defaultText)}\` | ${esc(s.help)} |`,
  );
  return ['| File key | Flag | Env | Default | Meaning |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** README text with the table between the markers replaced; throws if the markers are missing. */
export function withConfigTable(readme: string): string {
  const b = readme.indexOf(README_BEGIN);
  const e = readme.indexOf(README_END);
  if (b < 0 || e < b) throw new Error(`README has no ${README_BEGIN} … ${README_END} markers`);
  return `${readme.slice(0, b + README_BEGIN.length)}\n${configTableMarkdown()}\n${readme.slice(e)}`;
}

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}
