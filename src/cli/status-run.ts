import { jobHealth } from '../jobs/index.js';
import { readRunFacts, type RunFacts } from '../report/locate.js';
import { buildRunModel, runChain, type RunModel } from '../report/model.js';
import { Progress } from '../report/progress.js';
import { durationsOf } from '../report/record.js';
import { renderStatus, statusExitCode } from '../report/status.js';
import { planIdOf } from '../run/run.js';

/** The model of a plan's latest run (and the runs it resumed). */
export function modelOf(facts: RunFacts, now: number): RunModel {
  return buildRunModel({
    compiled: facts.compiled,
    planId: planIdOf(facts.planPath),
    events: runChain(facts.record.runs),
    runs: facts.record.runs.length,
    live: facts.live !== undefined,
    now,
  });
}

/** The progress line of the latest run (what it took before: the runs before it). */
export function progressLineOf(facts: RunFacts, now: number): string | undefined {
  const latest = facts.record.runs.at(-1);
  if (latest === undefined) return undefined;
  const progress = new Progress(durationsOf(facts.record.runs.slice(0, -1)));
  for (const event of latest) progress.onEvent(event);
  return progress.line(now);
}

export async function printStatus(plan: string): Promise<number> {
  const facts = await readRunFacts(plan, process.env);
  const now = Date.now();
  const model = modelOf(facts, now);
  const logDir = facts.state?.logDir ?? facts.live?.logDir;
  const health = (jobId: string) => {
    if (logDir === undefined) return undefined;
    try {
      return jobHealth(logDir, jobId).health;
    } catch {
      return 'unreadable job files';
    }
  };
  const progress = facts.live !== undefined ? progressLineOf(facts, now) : undefined;
  process.stdout.write(
    renderStatus({
      model,
      now,
      health,
      ...(progress !== undefined ? { progress } : {}),
      ...(facts.live !== undefined
        ? { holder: `pid ${facts.live.pid} on ${facts.live.host}, since ${facts.live.startedAt}` }
        : {}),
    }),
  );
  if (facts.record.skipped > 0)
    process.stderr.write(
      `ccglm: warning: ${facts.record.skipped} line(s) of the run record were not events and were skipped\n`,
    );
  return statusExitCode(model);
}
