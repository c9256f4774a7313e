/**
 * Diagnostics -> text (with a code frame), JSON, GitHub workflow commands, SARIF 2.1.0. Pure.
 */
import type { Diagnostic, Severity } from './types.js';

export type DiagnosticFormat = 'text' | 'json' | 'github' | 'sarif';

export interface RenderOptions {
  format: DiagnosticFormat;
  /** File -> its text, for code frames. */
  sources: Map<string, string>;
  color?: boolean;
  /** Files that were checked (for the summary and SARIF artifacts), in order. */
  files?: string[];
}

export function renderDiagnostics(diagnostics: Diagnostic[], options: RenderOptions): string {
  switch (options.format) {
    case 'json':
      return `${JSON.stringify({ diagnostics, summary: summarise(diagnostics, options.files) }, null, 2)}\n`;
    case 'github':
      return diagnostics.map(renderGithub).join('');
    case 'sarif':
      return `${JSON.stringify(renderSarif(diagnostics, options.files ?? []), null, 2)}\n`;
    default:
      return renderText(diagnostics, options);
  }
}

export function summarise(diagnostics: Diagnostic[], files: string[] = []) {
  const count = (severity: Severity) => diagnostics.filter((d) => d.severity === severity).length;
  const fileCount = Math.max(files.length, new Set(diagnostics.map((d) => d.file)).size);
  return {
    errors: count('error'),
    warnings: count('warning'),
    infos: count('info'),
    files: fileCount,
  };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function summaryLine(diagnostics: Diagnostic[], files: string[] = []): string {
  const s = summarise(diagnostics, files);
  return `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')} in ${plural(s.files, 'file')}`;
}

const COLORS: Record<Severity | 'dim' | 'bold', [string, string]> = {
  error: ['\u001b[31m', '\u001b[39m'],
  warning: ['\u001b[33m', '\u001b[39m'],
  info: ['\u001b[36m', '\u001b[39m'],
  dim: ['\u001b[2m', '\u001b[22m'],
  bold: ['\u001b[1m', '\u001b[22m'],
};

function renderText(diagnostics: Diagnostic[], options: RenderOptions): string {
  const paint = (style: keyof typeof COLORS, text: string) =>
    options.color === true ? `${COLORS[style][0]}${text}${COLORS[style][1]}` : text;
  const out: string[] = [];
  const linesByFile = new Map<string, string[]>();
  for (const d of diagnostics) {
    const where = `${d.file}:${d.span.start.line}:${d.span.start.column}`;
    out.push(
      `${paint('bold', where)}: ${paint(d.severity, `${d.severity} ${d.code}`)} ${d.message}`,
    );
    const text = options.sources.get(d.file);
    if (text !== undefined) {
      let lines = linesByFile.get(d.file);
      if (lines === undefined) linesByFile.set(d.file, (lines = text.split(/\r?\n/)));
      out.push(...codeFrame(lines, d, (s) => paint('dim', s)));
    }
    for (const related of d.related) {
      out.push(
        `  ${related.file ?? d.file}:${related.span.start.line}:${related.span.start.column}: note: ${related.message}`,
      );
    }
    if (d.hint !== undefined) out.push(`  hint: ${d.hint}`);
    out.push('');
  }
  out.push(summaryLine(diagnostics, options.files));
  return `${out.join('\n')}\n`;
}

/** The span's first line with its number, and a caret line under the span. */
function codeFrame(lines: string[], d: Diagnostic, dim: (s: string) => string): string[] {
  const line = lines[d.span.start.line - 1];
  if (line === undefined) return [];
  const gutter = String(d.span.start.line);
  const available = Math.max(1, line.length - d.span.start.column + 1);
  const width =
    d.span.end.line === d.span.start.line
      ? Math.max(1, d.span.end.column - d.span.start.column)
      : available;
  const caret =
    ' '.repeat(Math.max(0, d.span.start.column - 1)) + '^'.repeat(Math.min(width, available));
  return [
    dim(`  ${gutter} | `) + line.replace(/\t/g, ' '),
    dim(`  ${' '.repeat(gutter.length)} | `) + caret,
  ];
}

// GitHub workflow commands: data escapes %, CR, LF; properties also : and ,.
const escapeData = (s: string) =>
  s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

function renderGithub(d: Diagnostic): string {
  const level = d.severity === 'info' ? 'notice' : d.severity;
  const props = [
    `file=${escapeProperty(d.file)}`,
    `line=${d.span.start.line}`,
    `col=${d.span.start.column}`,
    `endLine=${d.span.end.line}`,
    `endColumn=${d.span.end.column}`,
    `title=${escapeProperty(d.code)}`,
  ].join(',');
  const message = d.hint !== undefined ? `${d.message}\n${d.hint}` : d.message;
  return `::${level} ${props}::${escapeData(message)}\n`;
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', info: 'note' };

function renderSarif(diagnostics: Diagnostic[], files: string[]) {
  const codes = [...new Set(diagnostics.map((d) => d.code))].sort();
  const region = (span: Diagnostic['span']) => ({
    startLine: span.start.line,
    startColumn: span.start.column,
    endLine: span.end.line,
    endColumn: Math.max(
      span.end.column,
      span.end.line === span.start.line ? span.start.column + 1 : 1,
    ),
    charOffset: span.start.offset,
    charLength: Math.max(0, span.end.offset - span.start.offset),
  });
  const artifacts = [...new Set([...files, ...diagnostics.map((d) => d.file)])];
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ccglm',
            informationUri: 'https://www.npmjs.com/package/ccglm',
            rules: codes.map((id) => ({ id, shortDescription: { text: id } })),
          },
        },
        artifacts: artifacts.map((uri) => ({ location: { uri } })),
        results: diagnostics.map((d) => ({
          ruleId: d.code,
          ruleIndex: codes.indexOf(d.code),
          level: SARIF_LEVEL[d.severity],
          message: { text: d.hint !== undefined ? `${d.message} (${d.hint})` : d.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: d.file, index: artifacts.indexOf(d.file) },
                region: region(d.span),
              },
            },
          ],
          ...(d.related.length > 0
            ? {
                relatedLocations: d.related.map((r, id) => ({
                  id,
                  message: { text: r.message },
                  physicalLocation: {
                    artifactLocation: { uri: r.file ?? d.file },
                    region: region(r.span),
                  },
                })),
              }
            : {}),
        })),
      },
    ],
  };
}
