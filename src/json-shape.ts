/**
 * Checks of JSON read from disk (the run state, the plan lock, a job's meta values): a file another
 * version of ccglm, a crash or a person wrote is checked field by field before it is trusted,
 * instead of cast.
 */
export type Check<T> = (value: unknown) => value is T;

export const isString: Check<string> = (value): value is string => typeof value === 'string';
export const isNumber: Check<number> = (value): value is number =>
  typeof value === 'number' && Number.isFinite(value);
export const isBoolean: Check<boolean> = (value): value is boolean => typeof value === 'boolean';

export function isOneOf<T extends string>(values: readonly T[]): Check<T> {
  return (value): value is T => values.includes(value as T);
}

/** The type a check passes. */
export type Checked<C> = C extends Check<infer T> ? T : never;

type Checks = Record<string, Check<unknown>>;
/** What `isObject(required, optional)` checks. */
type Shape<R extends Checks, O extends Checks> = { [K in keyof R]: Checked<R[K]> } & {
  [K in keyof O]?: Checked<O[K]>;
};

/**
 * An object with these fields (`optional` ones may be absent); other fields are allowed. Its type
 * is read off the checks (`Checked<typeof isX>`): the shape is written once.
 */
export function isObject<R extends Checks, O extends Checks = Record<never, never>>(
  required: R,
  optional: O = {} as O,
): Check<Shape<R, O>> {
  return (value): value is Shape<R, O> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const fields = value as Record<string, unknown>;
    const has = (key: string) => Object.prototype.hasOwnProperty.call(fields, key);
    for (const [key, check] of Object.entries(required))
      if (!has(key) || !check(fields[key])) return false;
    for (const [key, check] of Object.entries(optional))
      if (has(key) && fields[key] !== undefined && !check(fields[key])) return false;
    return true;
  };
}

/** A JSON object used as a map: every value passes `check`. */
export function isRecordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (value): value is Record<string, T> =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((item) => check(item));
}

/** A JSON array whose every item passes `check`. */
export function isArrayOf<T>(check: Check<T>): Check<T[]> {
  return (value): value is T[] => Array.isArray(value) && value.every((item) => check(item));
}

/** The JSON in `text` when it has the shape `check` checks; undefined otherwise. */
export function parseAs<T>(text: string, check: Check<T>): T | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return check(value) ? value : undefined;
}
