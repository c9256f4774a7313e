import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const HOUR_MS = 3_600_000;

/**
 * Other `cc-glm-jobs*` folders beside the log dir or in `sharedTmp` (/tmp, where the shell runner's
 * lived; `$CCGLM_SHARED_TMP` moves it, so tests do not read the real /tmp).
 */
export function findOtherLogDirs(logDir: string, sharedTmp = '/tmp'): string[] {
  const found = new Set<string>();
  for (const parent of new Set([path.dirname(logDir), sharedTmp])) {
    let names: string[] = [];
    try {
      names = fs.readdirSync(parent);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!/^cc-glm-jobs(-.+)?$/.test(name)) continue;
      const full = path.join(parent, name);
      if (full === logDir) continue;
      try {
        if (fs.statSync(full).isDirectory()) found.add(full);
      } catch {
        // vanished
      }
    }
  }
  return [...found].sort();
}

/**
 * The once-an-hour state lives in the user's state folder (`$CCGLM_STATE_DIR`, else
 * `$XDG_STATE_HOME/ccglm`, else `~/.local/state/ccglm`), not in the log dir: the log dir is the jobs'
 * flat folder (shared, possibly read-only), and the warning is about the user's view, not a job.
 * A change in the set of folders warns again at once.
 */
export function stateFile(env: NodeJS.ProcessEnv): string {
  const base =
    env['CCGLM_STATE_DIR'] ??
    path.join(env['XDG_STATE_HOME'] ?? path.join(os.homedir(), '.local', 'state'), 'ccglm');
  return path.join(base, 'multi-log-dir-warned');
}

/** The warning lines to print now, or [] when there is nothing new to say this hour. */
export function multiLogDirWarning(
  logDir: string,
  env: NodeJS.ProcessEnv,
  now = Date.now(),
): string[] {
  const others = findOtherLogDirs(logDir, env['CCGLM_SHARED_TMP'] || undefined);
  if (others.length === 0) return [];
  const file = stateFile(env);
  const key = [logDir, ...others].join('\n');
  try {
    const [stamp, ...rest] = fs.readFileSync(file, 'utf8').split('\n');
    if (rest.join('\n') === key && now - Number(stamp) < HOUR_MS) return [];
  } catch {
    // first warning
  }
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${now}\n${key}`);
  } catch {
    // cannot remember: warn every time rather than never
  }
  return [
    `WARN: Multiple log directories detected. Using: ${logDir}`,
    'WARN: Alternative dirs found:',
    ...others.map((dir) => `  - ${dir}`),
    'WARN: Use --log-dir <path> to target a specific directory',
  ];
}
