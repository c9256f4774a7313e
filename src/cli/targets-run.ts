import { CcglmError, ExitCode } from '../errors.js';
import { LOCAL } from '../targets/config.js';
import { loadConfig } from '../config-file.js';
import { installOnTarget } from '../targets/install.js';
import { loadTargets } from '../targets/load.js';
import { factsHere } from '../targets/here.js';
import { describeStatus, isReady, probeTarget, type TargetStatus } from '../targets/probe.js';

export interface TargetsInput {
  cwd: string;
  env: NodeJS.ProcessEnv;
  configPath?: string;
  json: boolean;
  timeoutMs: number;
  write: (text: string) => void;
}

async function localStatus(input: TargetsInput): Promise<TargetStatus> {
  const facts = await factsHere(input.env, input.cwd);
  const problems = [
    ...(facts.agent.ok ? [] : [`agent: ${facts.agent.text}`]),
    ...(facts.credentials.ok ? [] : [`credentials: ${facts.credentials.text}`]),
  ];
  return { name: LOCAL, ssh: '', enabled: true, reachable: true, facts, problems, gate: 'none' };
}

/**
 * `ccglm targets`: this machine and every declared target, probed at once. Exit 0 when every
 * enabled target can take tasks, 1 when one cannot (a disabled target does not count).
 */
export async function listTargets(input: TargetsInput): Promise<number> {
  const { file, targets } = await loadTargets(input.cwd, input.configPath);
  const here = await localStatus(input);
  const version = here.facts?.ccglm ?? 'unknown';
  const remote = await Promise.all(
    [...targets.values()].map((target) =>
      probeTarget(target, { version, timeoutMs: input.timeoutMs, env: input.env }),
    ),
  );
  const all = [here, ...remote];
  if (input.json) input.write(`${JSON.stringify({ config: file ?? null, targets: all })}\n`);
  else {
    for (const status of all)
      input.write(`${describeStatus(status, targets.get(status.name)).join('\n')}\n`);
    if (targets.size === 0)
      input.write(
        `no other targets${file !== undefined ? ` in ${file}` : ''}; declare them in ccglm.config.json: {"targets": {"macmini": {"ssh": "me@macmini"}}} (see README, "Targets")\n`,
      );
  }
  return all.every((status) => !status.enabled || isReady(status)) ? ExitCode.ok : ExitCode.failure;
}

/** The declared target `name`, or a usage error naming the known ones. */
async function targetNamed(name: string, input: TargetsInput) {
  const { file, targets } = await loadTargets(input.cwd, input.configPath);
  const target = targets.get(name);
  if (target === undefined || file === undefined)
    throw new CcglmError(
      `no target ${JSON.stringify(name)}${file !== undefined ? ` in ${file}` : ' (no ccglm.config.json found)'}; known: ${[LOCAL, ...targets.keys()].join(', ')}`,
      ExitCode.usage,
    );
  return { file, target };
}

/** `ccglm targets check NAME`: probe one target and run its gate. Exit 0 when it can take tasks. */
export async function checkTarget(name: string, input: TargetsInput): Promise<number> {
  if (name === LOCAL) return listLocal(input);
  const { target } = await targetNamed(name, input);
  const version = (await factsHere(input.env, input.cwd)).ccglm;
  const status = await probeTarget(target, {
    version,
    runGate: true,
    timeoutMs: input.timeoutMs,
    env: input.env,
  });
  if (input.json) input.write(`${JSON.stringify(status)}\n`);
  else input.write(`${describeStatus(status, target).join('\n')}\n`);
  return isReady(status) ? ExitCode.ok : ExitCode.failure;
}

async function listLocal(input: TargetsInput): Promise<number> {
  const status = await localStatus(input);
  if (input.json) input.write(`${JSON.stringify(status)}\n`);
  else input.write(`${describeStatus(status).join('\n')}\n`);
  return isReady(status) ? ExitCode.ok : ExitCode.failure;
}

/** `ccglm targets here --json`: what `ccglm targets` asks a target over SSH. */
export async function printHere(input: TargetsInput): Promise<number> {
  const facts = await factsHere(input.env, input.cwd);
  input.write(
    input.json
      ? `${JSON.stringify(facts)}\n`
      : `ccglm ${facts.ccglm}, node ${facts.node}, ${facts.platform} on ${facts.host}\n  agent ${facts.agent.name}: ${facts.agent.text}\n  credentials: ${facts.credentials.text}\n`,
  );
  return ExitCode.ok;
}

/** `ccglm targets install NAME`: this ccglm on the target (install.ts). Exit 0 when it runs there. */
export async function installTarget(name: string, input: TargetsInput): Promise<number> {
  if (name === LOCAL)
    throw new CcglmError('local is this machine: ccglm is installed here already', ExitCode.usage);
  const { file, target } = await targetNamed(name, input);
  const declared = (await loadConfig(file)).targets?.[name];
  const result = await installOnTarget(target, {
    configFile: file,
    ccglmSet: declared?.ccglm !== undefined,
    say: (line) => void (input.json ? undefined : input.write(`${line}\n`)),
  });
  input.write(
    input.json
      ? `${JSON.stringify({ target: name, ...result })}\n`
      : `${result.already ? `ccglm ${result.version} was installed on ${name} already, this very package` : `installed ccglm ${result.version} on ${name}`} (node ${result.node}): ${result.binary}\n${result.config}\n`,
  );
  return ExitCode.ok;
}
