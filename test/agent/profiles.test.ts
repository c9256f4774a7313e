import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAgentConfig } from '../../src/agent/config.js';
import { describeRuntimeContract, formatRuntimeContract } from '../../src/agent/contract.js';
import { buildAgentJob } from '../../src/agent/job.js';
import { planLaunch, type LaunchValues } from '../../src/agent/launch-plan.js';
import { builtinProfiles, resolveProfile } from '../../src/agent/profiles.js';
import { splitCommand } from '../../src/agent/split-command.js';
import { ccglmBin } from '../../src/paths.js';
import { makeTempDir } from './helpers.js';

const values: LaunchValues = {
  model: 'glm-5',
  token: 'T0KEN',
  baseUrl: 'http://x',
  timeoutMs: '99',
  promptFile: '/p/prompt.md',
  nodePath: '/usr/bin/node',
  demoAgent: '/d/demo-agent.js',
  isRoot: false,
};

describe('planLaunch: profiles as data', () => {
  it('claude: the reference command line, no prompt in argv, token only in env', () => {
    const plan = planLaunch(builtinProfiles['claude']!, values);
    expect([plan.file, ...plan.args]).toEqual([
      'claude',
      '--dangerously-skip-permissions',
      '--model',
      'glm-5',
      '-p',
      '--output-format',
      'text',
    ]);
    expect(plan.env).toEqual({
      CCGLM_PROMPT_FILE: '/p/prompt.md',
      ANTHROPIC_AUTH_TOKEN: 'T0KEN',
      ANTHROPIC_API_KEY: 'T0KEN',
      ANTHROPIC_BASE_URL: 'http://x',
      ANTHROPIC_DEFAULT_OPUS_MODEL: 'glm-5',
      ANTHROPIC_DEFAULT_SONNET_MODEL: 'glm-5',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: 'glm-5',
      API_TIMEOUT_MS: '99',
    });
    expect(
      planLaunch(builtinProfiles['claude']!, { ...values, isRoot: true }).env['IS_SANDBOX'],
    ).toBe('1');
  });

  it('codex: model flags before the stdin marker; dropped without a model', () => {
    const plan = planLaunch(builtinProfiles['codex']!, values);
    expect(plan.args).toEqual([
      'exec',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '--model',
      'glm-5',
      '-',
    ]);
    const { model: _model, token: _token, ...rest } = values;
    const bare = planLaunch(builtinProfiles['codex']!, rest);
    expect(bare.args).toEqual([
      'exec',
      '--sandbox',
      'workspace-write',
      '--skip-git-repo-check',
      '-',
    ]);
    expect(bare.env).toEqual({ CCGLM_PROMPT_FILE: '/p/prompt.md' });
  });

  it('opencode and demo', () => {
    expect(planLaunch(builtinProfiles['opencode']!, values).args).toEqual([
      'run',
      '--model',
      'glm-5',
    ]);
    const demo = planLaunch(builtinProfiles['demo']!, values);
    expect([demo.file, ...demo.args]).toEqual(['/usr/bin/node', '/d/demo-agent.js']);
    expect(demo.env).toEqual({ CCGLM_PROMPT_FILE: '/p/prompt.md' });
  });
});

describe('splitCommand (quote-aware, no shell)', () => {
  it.each([
    ['my-agent --fast', ['my-agent', '--fast']],
    ['agent \'two words\' "and \\"more\\""', ['agent', 'two words', 'and "more"']],
    ['a\\ b  c', ['a b', 'c']],
    ["x '' y", ['x', '', 'y']],
    ['echo $(touch /tmp/p) `id` ; rm', ['echo', '$(touch', '/tmp/p)', '`id`', ';', 'rm']],
  ])('%s', (line, argv) => expect(splitCommand(line)).toEqual(argv));

  it('rejects an unclosed quote and an empty command (exit 2)', () => {
    expect(() => splitCommand("a 'b")).toThrow(
      "Unexpected end of --agent-cmd inside a single-quoted string, expected a closing '",
    );
    expect(() => splitCommand('   ')).toThrow('--agent-cmd is empty');
  });
});

describe('resolveProfile and ccglm.config.json', () => {
  let tmp: { dir: string; cleanup: () => void };
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(() => tmp.cleanup());

  it('finds the config upward and merges a custom profile', () => {
    writeFileSync(
      path.join(tmp.dir, 'ccglm.config.json'),
      JSON.stringify({
        defaultAgent: 'mine',
        agents: {
          mine: {
            command: 'my-agent',
            args: ['--x', '{model}'],
            auth: 'required',
            env: { KEY: '{token}' },
          },
        },
      }),
    );
    const nested = path.join(tmp.dir, 'a', 'b');
    mkdirSync(nested, { recursive: true });
    const config = readAgentConfig({ cwd: nested });
    expect(config.defaultAgent).toBe('mine');
    const profile = resolveProfile({ agent: 'mine', configAgents: config.agents });
    expect(profile).toMatchObject({
      name: 'mine',
      command: 'my-agent',
      prompt: 'stdin',
      auth: 'required',
    });
    expect(planLaunch(profile, values)).toMatchObject({
      args: ['--x', 'glm-5'],
      env: { KEY: 'T0KEN' },
    });
    // a config entry may override part of a built-in
    const claude = resolveProfile({
      agent: 'claude',
      configAgents: { claude: { command: '/opt/claude' } },
    });
    expect(claude.command).toBe('/opt/claude');
    expect(claude.args).toEqual(builtinProfiles['claude']!.args);
  });

  it('reports a bad config key with the file and the key', () => {
    const file = path.join(tmp.dir, 'ccglm.config.json');
    writeFileSync(file, JSON.stringify({ agents: { bad: { command: 'x', prompt: 'argv' } } }));
    expect(() => readAgentConfig({ cwd: tmp.dir })).toThrow(
      `${file}: agents.bad.prompt: expected one of: stdin, file`,
    );
  });

  it('--agent-cmd becomes a custom profile without auth', () => {
    expect(resolveProfile({ agentCmd: "node 'my agent.js' --v" })).toMatchObject({
      name: 'custom',
      command: 'node',
      args: ['my agent.js', '--v'],
      auth: 'none',
      prompt: 'stdin',
    });
  });
});

describe('buildAgentJob and the runtime contract', () => {
  it('gives RUN the headless argv and a secret-free env', () => {
    const job = buildAgentJob({
      agent: 'demo',
      model: 'glm-4.6',
      promptFile: '/logs/T1.prompt',
      taskId: 'T1',
      planPath: '/repo/x-plan.md',
      worktree: '/wt/T1',
      featureKey: 'bd-1',
    });
    expect(job.command).toEqual([
      process.execPath,
      ccglmBin,
      'headless',
      '--agent',
      'demo',
      '--prompt-file',
      '/logs/T1.prompt',
    ]);
    expect(job.env).toEqual({
      CCGLM_AGENT: 'demo',
      CCGLM_TASK_ID: 'T1',
      CCGLM_PLAN: '/repo/x-plan.md',
      CCGLM_WORKTREE: '/wt/T1',
      CCGLM_PROMPT_FILE: '/logs/T1.prompt',
      CC_GLM_MODEL: 'glm-4.6',
      CCGLM_FEATURE_KEY: 'bd-1',
    });
    const custom = buildAgentJob({
      agentCmd: 'my-agent --go',
      promptFile: '/p',
      taskId: 'T1',
      planPath: '/x',
      worktree: '/w',
    });
    expect(custom.command.slice(2, 5)).toEqual(['headless', '--agent-cmd', 'my-agent --go']);
    expect(custom.agent).toBe('custom');
  });

  it('describes the contract from the environment without the secret', () => {
    const env = {
      CC_GLM_AUTH_TOKEN: 'S3CRET',
      CC_GLM_BASE_URL: 'http://127.0.0.1:1',
      CC_GLM_TIMEOUT_MS: '5',
    };
    const contract = describeRuntimeContract({ env, executionMode: 'pty' });
    expect(contract).toEqual({
      auth_source: 'env:CC_GLM_AUTH_TOKEN',
      auth_mode: 'strict',
      model: 'glm-5',
      base_url: 'http://127.0.0.1:1',
      timeout_ms: '5',
      execution_mode: 'pty',
      agent: 'claude',
    });
    const text = formatRuntimeContract('T1', contract, new Date('2026-03-01T10:00:00.123Z'));
    expect(text).toBe(
      [
        '# Runtime contract for T1 (generated 2026-03-01T10:00:00Z)',
        '# DO NOT store secrets here',
        'auth_source=env:CC_GLM_AUTH_TOKEN',
        'auth_mode=strict',
        'model=glm-5',
        'base_url=http://127.0.0.1:1',
        'timeout_ms=5',
        'execution_mode=pty',
        'agent=claude',
        '',
      ].join('\n'),
    );
    expect(text).not.toContain('S3CRET');
    expect(
      describeRuntimeContract({
        env: { ...env, CCGLM_AGENT: 'demo', CC_GLM_STRICT_AUTH: '0' },
        executionMode: 'nohup',
      }),
    ).toMatchObject({
      auth_source: 'none',
      auth_mode: 'non_strict',
      agent: 'demo',
      execution_mode: 'nohup',
    });
  });
});
