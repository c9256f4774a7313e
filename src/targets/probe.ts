/**
 * `ccglm targets`: what each target is now. One SSH call per target asks ccglm there for its facts
 * (`ccglm targets here --json`); a gate is run only when asked (`ccglm targets check NAME`).
 */
import type { HereFacts } from './here.js';
import type { Target } from './config.js';
import { lastLine, remoteLine, runOnTarget, SSH_FAILED, type RunOptions } from './ssh.js';

export type GateState = 'none' | 'not run' | 'passed' | 'failed';

export interface TargetStatus {
  name: string;
  ssh: string;
  enabled: boolean;
  reachable: boolean;
  /** The facts call's round trip, connection included. */
  ms?: number;
  facts?: HereFacts;
  /** Why the target cannot take tasks now (unreachable, no ccglm, another version, no agent…). */
  problems: string[];
  gate: GateState;
  /** The gate's last output line when it ran. */
  gateOutput?: string;
}

export interface ProbeOptions extends RunOptions {
  /** This ccglm's version: a target must run the same. */
  version: string;
  /** Run the gate (`targets check`). */
  runGate?: boolean;
  now?: () => number;
}

export async function probeTarget(target: Target, options: ProbeOptions): Promise<TargetStatus> {
  const now = options.now ?? Date.now;
  const status: TargetStatus = {
    name: target.name,
    ssh: target.ssh,
    enabled: target.enabled,
    reachable: false,
    problems: [],
    gate: target.gate === undefined ? 'none' : 'not run',
  };
  const start = now();
  const result = await runOnTarget(
    target,
    // In the workdir when there is one: its jobs run below it, so its ccglm.config.json is theirs.
    `cd ${remoteLine([target.workdir])} 2>/dev/null; ${remoteLine([target.ccglm, 'targets', 'here', '--json'])}`,
    options,
  );
  status.ms = now() - start;
  if (result.code === SSH_FAILED) {
    status.problems.push(
      `unreachable: ${result.timedOut ? 'no answer in time' : lastLine(result.stderr) || `${target.transport.join(' ')} exited ${SSH_FAILED}`}`,
    );
    return status;
  }
  status.reachable = true;
  const facts = result.code === 0 ? readFacts(result.stdout) : undefined;
  if (facts === undefined) {
    status.problems.push(
      result.code === 127
        ? `ccglm not found there (${target.ccglm}); fix: ccglm targets install ${target.name}, or set targets.${target.name}.ccglm`
        : `\`${target.ccglm} targets here\` failed there (exit ${result.code}): ${lastLine(result.stderr) || lastLine(result.stdout)}`,
    );
  } else {
    status.facts = facts;
    if (facts.ccglm !== options.version)
      status.problems.push(
        `ccglm ${facts.ccglm} there, ${options.version} here; fix: ccglm targets install ${target.name}`,
      );
    if (!facts.agent.ok) status.problems.push(`agent: ${facts.agent.text}`);
    if (!facts.credentials.ok) status.problems.push(`credentials: ${facts.credentials.text}`);
  }
  if (options.runGate === true && target.gate !== undefined) {
    const gate = await runOnTarget(target, target.gate, options);
    status.gate = gate.code === 0 ? 'passed' : 'failed';
    const said = lastLine(gate.stderr) || lastLine(gate.stdout);
    if (said !== '') status.gateOutput = said;
    if (gate.code === SSH_FAILED) status.gateOutput = `unreachable: ${said}`;
  }
  return status;
}

/** A target can take tasks: reachable, ready, and enabled or its gate passed. */
export function isReady(status: TargetStatus): boolean {
  return status.problems.length === 0 && (status.enabled || status.gate === 'passed');
}

/** The facts JSON, checked field by field (it comes from another machine). */
export function readFacts(text: string): HereFacts | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const isRecord = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null;
  const strings = (value: Record<string, unknown>, keys: string[]) =>
    keys.every((key) => typeof value[key] === 'string');
  const isCheck = (
    value: unknown,
  ): value is Record<string, unknown> & { ok: boolean; text: string } =>
    isRecord(value) && typeof value['ok'] === 'boolean' && strings(value, ['text']);
  if (!isRecord(data) || !strings(data, ['ccglm', 'node', 'platform', 'host'])) return undefined;
  const { agent, credentials } = data;
  if (!isCheck(agent) || !strings(agent, ['name']) || !isCheck(credentials)) return undefined;
  return {
    ccglm: data['ccglm'] as string,
    node: data['node'] as string,
    platform: data['platform'] as string,
    host: data['host'] as string,
    agent: { name: agent['name'] as string, ok: agent.ok, text: agent.text },
    credentials: { ok: credentials.ok, text: credentials.text },
  };
}

/** The text `ccglm targets` prints for one target. */
export function describeStatus(status: TargetStatus, target?: Target): string[] {
  const via =
    target !== undefined && target.transport.join(' ') !== 'ssh'
      ? `, via ${target.transport[0] === 'ssh' ? 'ssh' : target.transport.join(' ')}`
      : '';
  const where = status.name === 'local' ? 'this machine' : `${status.ssh}${via}`;
  const state = !status.reachable
    ? 'unreachable'
    : isReady(status)
      ? 'ready'
      : !status.enabled && status.problems.length === 0
        ? 'disabled'
        : 'not ready';
  const head = `${status.name} (${where}): ${state}`;
  const lines = [
    status.facts !== undefined
      ? `${head}; ccglm ${status.facts.ccglm}, node ${status.facts.node}, ${status.facts.platform}${status.ms !== undefined && status.name !== 'local' ? `; answered in ${status.ms} ms` : ''}`
      : head,
  ];
  if (status.facts?.agent.ok === true)
    lines.push(`  agent ${status.facts.agent.name}: ${status.facts.agent.text}`);
  if (status.facts?.credentials.ok === true)
    lines.push(`  credentials: ${status.facts.credentials.text}`);
  for (const problem of status.problems) lines.push(`  problem: ${problem}`);
  if (status.gate !== 'none') {
    const gate =
      status.gate === 'not run'
        ? status.enabled
          ? 'not run (the target is enabled)'
          : `not run; the target is disabled until it passes: ccglm targets check ${status.name}`
        : `${status.gate}${status.gateOutput !== undefined ? `: ${status.gateOutput}` : ''}`;
    lines.push(`  gate: ${gate}`);
  }
  return lines;
}
