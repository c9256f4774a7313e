/**
 * The JSON values of a job's meta file (`command=`, `job_env=`, `headless=`), checked before the
 * host or a restart uses them: the file may come from another version, a crash or a person.
 */
import { PROVIDERS } from '../agent/provider-name.js';
import {
  isArrayOf,
  isBoolean,
  isObject,
  isOneOf,
  isRecordOf,
  isString,
  parseAs,
  type Check,
} from '../json-shape.js';

const shapes = {
  /** The agent's argv. */
  command: isArrayOf(isString),
  /** The job's own environment values, over the host's. */
  job_env: isRecordOf(isString),
  /** `ccglm headless`'s options when the host runs it in its own process. */
  headless: isObject(
    {},
    {
      prompt: isString,
      promptFile: isString,
      authCheck: isBoolean,
      agent: isString,
      agentCmd: isString,
      model: isString,
      configPath: isString,
      provider: isOneOf(PROVIDERS),
    },
  ),
} as const;

type Key = keyof typeof shapes;
type Value<K extends Key> = (typeof shapes)[K] extends Check<infer T> ? T : never;

/** What a meta value is not, when it is not what it should be (one line). */
const expected: Record<Key, string> = {
  command: 'a JSON list of strings',
  job_env: 'a JSON object of strings',
  headless: 'a JSON object of headless options',
};

/**
 * The meta's `key` value: undefined when absent or empty; an Error naming the line when it is not
 * what it should be.
 */
export function metaJson<K extends Key>(
  meta: Record<string, string>,
  key: K,
): Value<K> | undefined | Error {
  const text = meta[key];
  if (text === undefined || text === '') return undefined;
  const value = parseAs(text, shapes[key] as Check<Value<K>>);
  return value ?? new Error(`its ${key}= line is not ${expected[key]}`);
}
