/**
 * The README's command reference, rendered from the command tables (src/cli/spec.ts):
 * test/cli/reference.test.ts fails when README.md differs (UPDATE=1 rewrites it).
 */
import { modules, specs } from './commands/index.js';
import { usageOf, type OptionSpec, type PositionalSpec } from './spec.js';

/** Text in a table cell: pipes escaped, `<topic>` kept visible (not read as an HTML tag). */
const cell = (text: string) =>
  text.replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('\n', ' ');

function typeOf(option: OptionSpec | PositionalSpec): string {
  if (option.choices !== undefined) return (option.choices as unknown[]).join(' | ');
  if (option.type === 'boolean') return 'switch';
  return String(option.type ?? 'string');
}

export function renderReference(): string {
  const out: string[] = [];
  for (const spec of specs) {
    out.push(`#### \`ccglm ${usageOf(spec)}\``, '', `${cell(spec.summary)}.`, '');
    const rows = [
      ...spec.positionals.map(
        (p) =>
          `| ${p.name.toUpperCase()} | ${cell(typeOf(p))} | ${p.required === true ? 'required' : p.default !== undefined ? `\`${String(p.default)}\`` : ''} | ${cell(String(p.describe ?? ''))} |`,
      ),
      ...Object.entries(spec.options).map(
        ([name, o]) =>
          `| ${[o.alias ?? []]
            .flat()
            .map((a) => `\`-${a}\`, `)
            .join(
              '',
            )}\`--${name}\` | ${cell(typeOf(o))} | ${o.default !== undefined ? `\`${String(o.default)}\`` : ''} | ${cell(String(o.describe ?? ''))} |`,
      ),
    ];
    if (rows.length > 0)
      out.push('| argument | type | default | what |', '|---|---|---|---|', ...rows, '');
  }
  for (const m of modules)
    out.push(
      `#### \`ccglm ${m.usage}\``,
      '',
      `${m.summary}. Its options: \`ccglm help ${m.name}\` and its section below.`,
      '',
    );
  return out.join('\n');
}
