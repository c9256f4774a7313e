import { tmpdir } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

/**
 * Unit tests: pure code in this process (no child process, no git, no network), each file well under
 * a few seconds. `npm run test:unit`. Everything else is an integration test (`npm run
 * test:integration`): the built CLI, job hosts, fake agents, git repos, sshd, Chromium. A new test
 * file is an integration test unless it is listed here.
 */
const unit = [
  'test/agent/auth.test.ts',
  'test/agent/find-config.test.ts',
  'test/agent/profiles.test.ts',
  'test/agent/provider.test.ts',
  'test/agent/rate-limit.test.ts',
  'test/cli/reference.test.ts',
  'test/closest.test.ts',
  'test/golden.test.ts',
  'test/graph/*.test.ts',
  'test/jobs/health.test.ts',
  'test/jobs/host-pty.test.ts',
  'test/jobs/watch.test.ts',
  'test/plan/codes.test.ts',
  'test/plan/corpus.test.ts',
  'test/plan/fixes.test.ts',
  'test/plan/labels.test.ts',
  'test/plan/markdown-split.test.ts',
  'test/plan/parse.test.ts',
  'test/plan/patch.test.ts',
  'test/plan/render.test.ts',
  'test/plan/task-now.test.ts',
  'test/report/eta-run.test.ts',
  'test/report/eta.test.ts',
  'test/report/metrics.test.ts',
  'test/report/record.test.ts',
  'test/json-shape.test.ts',
  'test/run/merge-retry.test.ts',
  'test/run/plan-writer.test.ts',
  'test/run/repo-queue.test.ts',
  'test/run/summary.test.ts',
  'test/run/task-log.test.ts',
  'test/schedule/*.test.ts',
  'test/schema.test.ts',
];

/** The files that take longest (40-55 s each on a busy machine, though small files). */
const slowest = [
  'test/run/run.test.ts',
  'test/run/faults-host.test.ts',
  'test/run/faults-run.test.ts',
];

/**
 * Longest first, so that no long file starts last and runs alone at the end. vitest orders by the
 * durations it cached from earlier runs, else by file size; the cache is easily without these
 * (a fresh clone, another checkout's run rewrote it), and the fault-injection files are among the
 * smallest: they go first always.
 */
class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (file: TestSpecification) => {
      const index = slowest.findIndex((name) => file.moduleId.endsWith(name));
      return index === -1 ? slowest.length : index;
    };
    return (await super.sort(files))
      .map((file, index) => ({ file, index }))
      .sort((a, b) => rank(a.file) - rank(b.file) || a.index - b.index)
      .map(({ file }) => file);
  }
}

export default defineConfig({
  test: {
    pool: 'forks',
    // Three workers on two cores: many tests wait on their processes (agents that sleep, a run that
    // is killed and resumed) and a third worker uses that CPU (10 of the heaviest files: 68 s
    // against 74 s with two, on the same busy machine).
    maxWorkers: 3,
    // A worker process runs file after file (each file still loads itself anew): a fresh process and
    // module graph per file cost ~0.35 s of CPU each. The tests share no state but their own temp
    // folders; nothing here changes process.env, the current folder or a module's state.
    isolate: false,
    testTimeout: 30_000,
    // Sandboxes live under the temp folder: a stray ccglm.config.json there (or above) is not theirs.
    env: { CCGLM_CONFIG_CEILING: tmpdir() },
    hookTimeout: 60_000,
    sequence: { sequencer: LongestFirst },
    // Both projects share the workers; files run longest first (vitest's timing cache, else the
    // largest first), and integration files (sorted first by name) before the short unit files.
    projects: [
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: unit,
          globalSetup: ['test/global-setup.ts'],
        },
      },
      // Pure code: one worker thread reuses the modules it loaded (remark, the parser) file after
      // file, a third of the CPU of a fresh process per file.
      { extends: true, test: { name: 'unit', include: unit, pool: 'threads', isolate: false } },
    ],
  },
});
