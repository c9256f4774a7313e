import { tmpdir } from 'node:os';
/**
 * Nothing from a plan is ever interpolated into a shell command line: a plan whose fields hold
 * `$(touch …)`, backticks, quotes, `;`, `|`, `&&` and newlines goes through `ccglm prompt`, the demo
 * agent, a custom --agent-cmd and the claude profile, and the marker file never appears.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildAgentJob } from '../../src/agent/job.js';
import { findPlanReader } from '../../src/agent/load-plan.js';
import { renderPrompt } from '../../src/agent/prompt.js';
import {
  fakeAgentScript,
  isolatedPath,
  makeTempDir,
  runCcglm,
  writeExecutable,
} from './helpers.js';
import { gitOut, initRepo, planDoc, task } from './plan-fixture.js';

let tmp: { dir: string; cleanup: () => void };
let marker: string;
let repo: string;
const payloads = (m: string) => [
  `$(touch ${m})`,
  `\`touch ${m}\``,
  `'; touch ${m}; '`,
  `"; touch ${m}; "`,
  `x\ntouch ${m}\n`,
  `| touch ${m}`,
  `&& touch ${m}`,
];

beforeEach(() => {
  tmp = makeTempDir('ccglm-inject-');
  marker = path.join(tmp.dir, 'pwned');
  repo = path.join(tmp.dir, 'repo');
  mkdirSync(repo);
  initRepo(repo);
});
afterEach(() => tmp.cleanup());

function hostilePlan() {
  const [sub, tick, single, double, newline, pipe, and] = payloads(marker) as string[];
  return planDoc(
    [
      task('T1', {
        name: `Name ${sub} ${tick}`,
        repo: `repo ${single}`,
        location: [`src/${sub}.ts`, `lib/${tick}.md`, `quote ${double}.txt`],
        description: `Do it ${newline} ${pipe}`,
        validation: `check ${and}`,
      }),
    ],
    `plan ${sub}.md`,
  );
}

const env = () => ({
  PATH: isolatedPath(path.join(tmp.dir, 'bin')),
  HOME: tmp.dir,
  CCGLM_CONFIG_CEILING: tmpdir(),
  CCGLM_DEMO_DELAY_MS: '0',
});

describe('hostile plan text never runs', () => {
  it('renderPrompt keeps it as text; buildAgentJob keeps it out of argv', () => {
    const prompt = renderPrompt({
      plan: hostilePlan(),
      planPath: `plan $(touch ${marker}).md`,
      taskId: 'T1',
    });
    for (const payload of payloads(marker).slice(0, 2)) expect(prompt).toContain(payload);
    const job = buildAgentJob({
      agent: 'demo',
      promptFile: path.join(tmp.dir, 'T1.prompt'),
      taskId: `T1 $(touch ${marker})`,
      planPath: path.join(tmp.dir, `plan $(touch ${marker}).md`),
      worktree: repo,
      featureKey: `\`touch ${marker}\``,
    });
    expect(job.command.join(' ')).not.toContain('touch');
    expect(job.env['CCGLM_TASK_ID']).toBe(`T1 $(touch ${marker})`);
    expect(existsSync(marker)).toBe(false);
  });

  it('the demo agent edits files with hostile names and commits a hostile message safely', async () => {
    const promptFile = path.join(tmp.dir, 'T1.prompt');
    writeFileSync(
      promptFile,
      renderPrompt({ plan: hostilePlan(), planPath: 'p.md', taskId: 'T1' }),
    );
    const result = await runCcglm(['headless', '--agent', 'demo', '--prompt-file', promptFile], {
      cwd: repo,
      env: { ...env(), CCGLM_FEATURE_KEY: `$(touch ${marker})` },
    });
    expect(result.stderr).not.toContain('ERROR');
    expect(result.code).toBe(0);
    expect(existsSync(path.join(repo, 'src', `$(touch ${marker}).ts`))).toBe(true);
    expect(gitOut(repo, 'log', '-1', '--format=%s')).toBe(
      `T1: Name $(touch ${marker}) \`touch ${marker}\` (ccglm demo)`,
    );
    expect(gitOut(repo, 'log', '-1', '--format=%(trailers:key=Feature-Key,valueonly)')).toBe(
      `$(touch ${marker})`,
    );
    expect(existsSync(marker)).toBe(false);
  });

  it('a custom --agent-cmd gets the prompt on stdin and hostile words as literal argv', async () => {
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeExecutable(path.join(bin, 'record-agent'), fakeAgentScript);
    const prompt = renderPrompt({ plan: hostilePlan(), planPath: 'p.md', taskId: 'T1' });
    const record = path.join(tmp.dir, 'record.json');
    const result = await runCcglm(
      [
        'headless',
        '--agent-cmd',
        `record-agent "$(touch ${marker})" '\`touch ${marker}\`' ; touch ${marker}`,
      ],
      { cwd: repo, env: { ...env(), FAKE_AGENT_RECORD: record }, stdin: prompt },
    );
    expect(result.code).toBe(0);
    const seen = JSON.parse(readFileSync(record, 'utf8')) as {
      argv: string[];
      stdin: string;
      cwd: string;
    };
    expect(seen.argv).toEqual([`$(touch ${marker})`, `\`touch ${marker}\``, ';', 'touch', marker]);
    expect(seen.stdin).toBe(prompt);
    expect(seen.cwd).toBe(repo);
    expect(existsSync(marker)).toBe(false);
  });

  it('the claude profile gets the hostile prompt on stdin only', async () => {
    const bin = path.join(tmp.dir, 'bin');
    mkdirSync(bin);
    writeExecutable(path.join(bin, 'claude'), fakeAgentScript);
    const record = path.join(tmp.dir, 'record.json');
    const prompt = renderPrompt({ plan: hostilePlan(), planPath: 'p.md', taskId: 'T1' });
    const result = await runCcglm(['headless', '--prompt', prompt], {
      cwd: repo,
      env: {
        ...env(),
        FAKE_AGENT_RECORD: record,
        CC_GLM_AUTH_TOKEN: 't',
        CC_GLM_MODEL: `$(touch ${marker})`,
      },
    });
    expect(result.code).toBe(0);
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; stdin: string };
    expect(seen.stdin).toBe(prompt);
    expect(seen.argv.join('\n')).not.toContain('Name $(');
    expect(seen.argv[2]).toBe(`$(touch ${marker})`); // the model is one literal argument
    expect(existsSync(marker)).toBe(false);
  });
});

const reader = await findPlanReader();
describe.skipIf(reader === undefined)(
  `ccglm prompt on a hostile plan file${reader === undefined ? ' (skipped: plan parser not built yet)' : ''}`,
  () => {
    it('prints the text and runs nothing', async () => {
      const [sub, tick, single] = payloads(marker) as string[];
      const planFile = path.join(tmp.dir, 'hostile-plan.md');
      writeFileSync(
        planFile,
        [
          '# Plan: hostile',
          '',
          '## Tasks',
          '',
          `### T1: Name ${sub}`,
          '- **depends_on**: []',
          `- **repo**: r ${single}`,
          '- **location**:',
          `  - src/${tick}.ts`,
          `- **description**: do ${sub}`,
          `  and then ${tick}`,
          '- **validation**: none',
          '- **status**: Not Started',
          '',
        ].join('\n'),
      );
      const result = await runCcglm(['prompt', planFile, 'T1'], { cwd: tmp.dir, env: env() });
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`Your Task: T1: Name ${sub}`);
      expect(existsSync(marker)).toBe(false);
    });
  },
);
