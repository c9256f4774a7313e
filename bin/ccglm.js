#!/usr/bin/env node
// A shell whose folder was deleted under it (a removed worktree) has no current folder: Node's
// process.cwd() throws (uv_cwd), first inside a library at load time. Say so in one line instead.
try {
  process.cwd();
} catch {
  process.stderr.write(
    'ccglm: the current folder no longer exists (deleted under this shell?); cd to an existing folder and retry\n',
  );
  process.exit(1);
}
await import('../dist/bundle/main.js');
