/**
 * The parser's diagnostic codes in one table: CCG1xx (plan structure) and CCG3xx (fields and
 * values). README's diagnostics block lists the same rows (test/plan/codes.test.ts keeps them equal).
 */
import type { Severity } from './types.js';

export const PARSE_CODES = {
  CCG101: { severity: 'error', meaning: 'no tasks found' },
  CCG102: { severity: 'error', meaning: 'duplicate task id (both places)' },
  CCG103: { severity: 'info', meaning: 'a heading that looks like a task but has no field list' },
  CCG104: {
    severity: 'error',
    meaning: 'a task heading that cannot be read as one (no task id, or level 5-6)',
  },
  CCG105: {
    severity: 'info',
    meaning: 'task headings with another separator than `:` (once per plan)',
  },
  CCG106: {
    severity: 'error',
    meaning: 'a task field list under something that is not a task heading',
  },
  CCG107: {
    severity: 'warning',
    meaning: 'a task inside a `<details>` block (shown collapsed, but it runs)',
  },
  CCG108: {
    severity: 'warning',
    meaning: 'a task field list indented into a code block (a tab or 4 spaces)',
  },
  CCG301: { severity: 'error', meaning: 'missing `depends_on`' },
  CCG302: { severity: 'error', meaning: 'missing `description`' },
  CCG303: { severity: 'error', meaning: 'unknown status word' },
  CCG304: { severity: 'info', meaning: 'status variants read as canonical words (once per plan)' },
  CCG305: { severity: 'error', meaning: 'a `depends_on` entry that is not a task id' },
  CCG306: { severity: 'error', meaning: "an absolute location path outside the task's repository" },
  CCG307: {
    severity: 'error',
    meaning: 'a location path that climbs out of the repository (`..`)',
  },
  CCG308: { severity: 'warning', meaning: 'no `location`: scope and overlaps unknown' },
  CCG309: { severity: 'info', meaning: 'unknown fields, kept as written (once per plan)' },
  CCG310: { severity: 'warning', meaning: 'a field given twice in one task (the first is used)' },
  CCG311: {
    severity: 'info',
    meaning: 'field labels without bold, read as fields (once per plan)',
  },
  CCG312: {
    severity: 'info',
    meaning: 'absolute locations inside the repository, read as relative (once per plan)',
  },
  CCG313: {
    severity: 'error',
    meaning: 'a placeholder left from the `ccglm init` template (`path/to/file1`, `[describe …]`)',
  },
  CCG314: { severity: 'error', meaning: 'a `repo` naming several repositories' },
  CCG320: { severity: 'error', meaning: 'a `target` that ccglm.config.json does not declare' },
  CCG321: {
    severity: 'error',
    meaning: 'a `target` that is disabled (until its gate passes, checked at validate and run)',
  },
} as const satisfies Record<string, { severity: Severity; meaning: string }>;

export type ParseCode = keyof typeof PARSE_CODES;
