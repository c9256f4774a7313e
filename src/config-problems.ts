/**
 * ccglm.config.json's problems as people read them: one line each, `FILE:LINE: where: what was
 * expected, got what`. The JSON is located with jsonc-parser (VS Code's), the schema's errors come
 * from the checker ajv compiled at build time (verbose: each error carries its schema and data).
 */
import {
  findNodeAtLocation,
  parseTree,
  printParseErrorCode,
  type Node,
  type ParseError,
} from 'jsonc-parser';
import { closest } from './closest.js';

export interface SchemaError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  data?: unknown;
  parentSchema?: { description?: string; properties?: Record<string, unknown> };
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** The first syntax error of a JSON text as `LINE:COLUMN: what`, or undefined when it parses. */
export function syntaxProblem(text: string): string | undefined {
  const errors: ParseError[] = [];
  parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const first = errors[0];
  if (first === undefined) return undefined;
  const before = text.slice(0, first.offset).split('\n');
  const column = (before.at(-1) ?? '').length + 1;
  const code = printParseErrorCode(first.error);
  return `${before.length}:${column}: ${syntaxMessages[code] ?? code}`;
}

const syntaxMessages: Record<string, string> = {
  PropertyNameExpected: 'expected a "key" in quotes (a comma after the last entry is not allowed)',
  ValueExpected: 'expected a value (a comma after the last item is not allowed)',
  CommaExpected: 'expected a comma between entries',
  ColonExpected: 'expected a colon after the key',
  CloseBraceExpected: 'expected } to close the object',
  CloseBracketExpected: 'expected ] to close the list',
  EndOfFileExpected: 'expected the end of the file after the top-level value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  InvalidSymbol: 'not JSON here (strings and keys need double quotes)',
  UnexpectedEndOfString: 'a string is not closed',
  UnexpectedEndOfComment: 'a comment is not closed',
  InvalidEscapeCharacter: 'a backslash in a string starts an escape such as \\\\ or \\n',
  InvalidCharacter: 'a control character (a tab or a line break) inside a string',
  InvalidUnicode: 'a \\u escape needs four hex digits',
  InvalidNumberFormat: 'not a JSON number',
  UnexpectedEndOfNumber: 'a number is cut short',
};

/** One line per problem; an `anyOf` that failed stands for the errors of its branches. */
export function describeSchemaErrors(
  file: string,
  text: string,
  errors: readonly SchemaError[],
): string[] {
  const tree = parseTree(text);
  const anyOfPaths = new Set(
    errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const lines: { line: number; text: string }[] = [];
  for (const error of errors) {
    if (anyOfPaths.has(error.instancePath) && error.keyword !== 'anyOf') continue;
    const segments = error.instancePath.split('/').slice(1).map(decodePointer);
    let what: string;
    if (error.keyword === 'additionalProperties') {
      const key = String(error.params['additionalProperty']);
      segments.push(key);
      const known = Object.keys(error.parentSchema?.properties ?? {}).filter(
        (k) => k !== '$schema',
      );
      const near = closest(key, known);
      what = `unknown key${near !== undefined ? ` (did you mean "${near}"?)` : ''}; expected one of ${known.join(', ')}`;
    } else {
      const expected =
        error.keyword === 'anyOf' || error.keyword === 'pattern'
          ? `expected ${asExpected(error.parentSchema?.description ?? 'a valid value')}`
          : error.keyword === 'enum'
            ? `expected one of ${(error.params['allowedValues'] as unknown[]).join(', ')}`
            : error.keyword === 'type'
              ? `expected ${typeNames[String(error.params['type'])] ?? String(error.params['type'])}`
              : (error.message ?? 'invalid');
      const got =
        typeof error.data === 'object' && error.data !== null
          ? ''
          : `, got ${JSON.stringify(error.data)}`;
      what = `${expected}${got}`;
    }
    lines.push(problemAt(file, text, segments, what, tree));
  }
  return lines.sort((a, b) => a.line - b.line).map((l) => l.text);
}

/** The node at a path: a segment is an index inside an array (`validate.ignore.0`), a key elsewhere. */
function nodeAt(tree: Node, segments: string[]): Node | undefined {
  let node: Node | undefined = tree;
  for (const segment of segments) {
    if (node === undefined) return undefined;
    node = findNodeAtLocation(node, [node.type === 'array' ? Number(segment) : segment]);
  }
  return node;
}

/** `FILE:LINE: where: what`, the line found from the setting's path in the JSON text. */
export function problemAt(
  file: string,
  text: string,
  segments: string[],
  what: string,
  tree = parseTree(text),
): { line: number; text: string } {
  const node = tree === undefined ? undefined : nodeAt(tree, segments);
  const offset = node?.parent?.type === 'property' ? node.parent.offset : node?.offset;
  const line = offset !== undefined ? lineAt(text, offset) : 0;
  const where = segments.join('.') || 'top level';
  return { line, text: `${file}${line > 0 ? `:${line}` : ''}: ${where}: ${what}` };
}

const typeNames: Record<string, string> = {
  boolean: 'true or false',
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  array: 'a list',
  object: 'an object',
};

/** A schema description as the end of "expected …": "A whole number…." → "a whole number…". */
const asExpected = (text: string) =>
  `${text.charAt(0).toLowerCase()}${text.slice(1)}`.replace(/\.$/, '');

const decodePointer = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');
