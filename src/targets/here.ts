/**
 * What a target says of itself (`ccglm targets here --json`, run there over SSH by `ccglm targets`):
 * ccglm's and Node's versions, the agent binary, and where its credential would come from. Never a
 * secret: the credential is named by its source.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkAgent } from '../agent/preflight.js';
import { systemProviderDeps } from '../agent/provider.js';
import { packageRoot } from '../paths.js';
import { checkCredentials } from '../run/preflight.js';

export interface HereFacts {
  ccglm: string;
  node: string;
  platform: string;
  host: string;
  /** The default agent's binary, or why it is missing. */
  agent: { name: string; ok: boolean; text: string };
  credentials: { ok: boolean; text: string };
}

export async function factsHere(env: NodeJS.ProcessEnv, cwd: string): Promise<HereFacts> {
  const { version } = JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as {
    version: string;
  };
  const agent = checkAgent({}, { cwd, env });
  const credentials = await checkCredentials(agent.profile, {
    agent: {},
    deps: systemProviderDeps(env),
  });
  return {
    ccglm: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    host: os.hostname(),
    agent: {
      name: agent.profile.name,
      ok: agent.ok,
      text: agent.ok
        ? (agent.executable ?? agent.profile.command)
        : agent.lines.map((line) => line.trim()).join('; '),
    },
    credentials: {
      ok: credentials.check.ok,
      text: credentials.check.text.replace(/^credentials: /, ''),
    },
  };
}
