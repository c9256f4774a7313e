import fs from 'node:fs';
import path from 'node:path';

/** The executable that `command` names (searching PATH like execvp), or undefined. */
export function resolveExecutable(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string | undefined {
  const isExecutable = (file: string) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return fs.statSync(file).isFile();
    } catch {
      return false;
    }
  };
  if (command.includes('/')) {
    const file = path.resolve(cwd, command);
    return isExecutable(file) ? file : undefined;
  }
  for (const dir of (env['PATH'] ?? '').split(':')) {
    if (dir === '') continue;
    const file = path.join(dir, command);
    if (isExecutable(file)) return file;
  }
  return undefined;
}
