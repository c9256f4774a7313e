#!/usr/bin/env node
// A shell whose folder was deleted under it (a removed worktree) has no current folder: Node's
// process.cwd() throws (uv_cwd), first inside a library at load time. The job commands that only
// read and control jobs by absolute paths (the log dir, the job's own worktree) do not need one, as
// with the shell runner: they run from `/`. Anything else gets one line instead of a stack trace.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `ccglm job <sub>` commands that never resolve a path against the current folder by default. */
const WITHOUT_CWD = new Set([
  'status',
  'health',
  'check',
  'tail',
  'stop',
  'restart',
  'set-override',
  'mutations',
  'watchdog',
]);
const PATH_FLAGS = ['--log-dir', '--worktree', '--pidfile'];

function runsWithoutCwd(args, env) {
  if (args[0] !== 'job' || !WITHOUT_CWD.has(args[1] ?? '')) return false;
  const values = [];
  if (env.CC_GLM_LOG_DIR) values.push(env.CC_GLM_LOG_DIR);
  args.forEach((arg, i) => {
    if (PATH_FLAGS.includes(arg)) values.push(args[i + 1] ?? '');
    const eq = arg.indexOf('=');
    if (eq > 0 && PATH_FLAGS.includes(arg.slice(0, eq))) values.push(arg.slice(eq + 1));
  });
  return values.every((value) => path.isAbsolute(value));
}

try {
  process.cwd();
} catch {
  if (runsWithoutCwd(process.argv.slice(2), process.env)) process.chdir('/');
  else {
    process.stderr.write(
      'ccglm: the current folder no longer exists (deleted under this shell?); cd to an existing folder and retry\n',
    );
    process.exit(1);
  }
}
// A clone that was never built (`npm ci` does not build; `npm run build` does, as `npm pack`).
const main = new URL('../dist/bundle/main.js', import.meta.url);
if (!existsSync(main)) {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  process.stderr.write(`ccglm: not built yet: run \`npm run build\` in ${root}\n`);
  process.exit(1);
}
await import(main.href);
