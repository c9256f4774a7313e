/**
 * Which diagnostics a command reports: `--ignore CODE,...`, `--quiet` and `--strict`, over the
 * `validate` section of ccglm.config.json (a flag given overrides its setting).
 */
import { knownCodes } from '../graph/codes.js';
import { readValidateConfig, type ConfigLookup } from '../config-file.js';
import { CcglmError, ExitCode } from '../errors.js';
import type { Diagnostic } from '../plan/types.js';

export interface ReportOptions {
  ignore: Set<string>;
  /** Errors only. */
  quiet: boolean;
  /** Warnings fail too. */
  strict: boolean;
}

export interface ReportFlags {
  ignore?: string[];
  quiet?: boolean;
  strict?: boolean;
}

const FAMILIES =
  'CCG1xx plan structure, CCG2xx graph, CCG3xx fields and values, CCG4xx lint (see README, Diagnostics)';

/** `CCG309,ccg404` and repeated flags -> known codes, upper case; an unknown one throws. */
export function parseCodes(values: readonly string[], where: string, exitCode: number): string[] {
  const known = new Set(knownCodes());
  const codes = values
    .flatMap((value) => value.split(','))
    .map((code) => code.trim().toUpperCase())
    .filter((code) => code.length > 0);
  const unknown = codes.find((code) => !known.has(code));
  if (unknown !== undefined)
    throw new CcglmError(
      `unknown code ${unknown} in ${where}, expected codes such as CCG309: ${FAMILIES}`,
      exitCode,
    );
  return [...new Set(codes)];
}

/** The flags over the config's `validate` section; reads the config only when there is one. */
export async function resolveReportOptions(
  flags: ReportFlags,
  lookup: ConfigLookup,
): Promise<ReportOptions> {
  const { file, validate } = await readValidateConfig(lookup);
  const ignore =
    flags.ignore !== undefined
      ? parseCodes(flags.ignore, '--ignore', ExitCode.usage)
      : parseCodes(
          validate.ignore ?? [],
          `${file ?? 'ccglm.config.json'} validate.ignore`,
          ExitCode.failure,
        );
  return {
    ignore: new Set(ignore),
    quiet: flags.quiet ?? validate.quiet ?? false,
    strict: flags.strict ?? validate.strict ?? false,
  };
}

export function selectDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: Pick<ReportOptions, 'ignore' | 'quiet'>,
): Diagnostic[] {
  return diagnostics.filter(
    (d) => !options.ignore.has(d.code) && (!options.quiet || d.severity === 'error'),
  );
}

/** 1 when an error (or, strict, a warning) is among what is reported. */
export function failed(reported: readonly Diagnostic[], strict: boolean): boolean {
  return reported.some((d) => d.severity === 'error' || (strict && d.severity === 'warning'));
}
