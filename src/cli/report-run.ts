import { unwatchFile, watchFile } from 'node:fs';
import path from 'node:path';
import { CcglmError, ExitCode } from '../errors.js';
import { writeFileAtomicSync } from '../jobs/store.js';
import { logTail } from '../run/job-output.js';
import { readRunFacts } from '../report/locate.js';
import { computeMetrics } from '../report/metrics.js';
import { renderReportHtml, type TaskExtras } from '../report/html.js';
import { eventsFileOf } from '../report/record.js';
import { renderTimelineSvg } from '../report/svg.js';
import { parseFormat } from './plan-input.js';
import { modelOf } from './status-run.js';
import type { ReportArgs } from './commands/report.js';

type Format = 'html' | 'svg' | 'json';

/** The report of the plan's latest run, as text; and whether a run is still going. */
async function build(plan: string, format: Format): Promise<{ text: string; live: boolean }> {
  const facts = await readRunFacts(plan, process.env);
  const now = Date.now();
  const model = modelOf(facts, now);
  if (format === 'svg') return { text: renderTimelineSvg(model), live: model.live };
  const metrics = computeMetrics(model);
  if (format === 'json') return { text: `${JSON.stringify(metrics, null, 2)}\n`, live: model.live };
  const logDir = facts.state?.settings?.logDir ?? facts.state?.logDir;
  const extras = new Map<string, TaskExtras>();
  for (const task of model.tasks)
    if (logDir !== undefined && task.jobId !== undefined)
      extras.set(task.id, { logTail: logTail(logDir, task.jobId, 40).trimEnd() });
  return { text: renderReportHtml(model, metrics, extras, now), live: model.live };
}

export async function writeReport(args: ReportArgs): Promise<number> {
  const format = parseFormat<Format>(args.format, ['html', 'svg', 'json']);
  if (args.watch && args.output === undefined)
    throw new CcglmError('--watch rewrites a file: give it with -o FILE', ExitCode.usage);
  const write = (text: string) => {
    if (args.output === undefined) process.stdout.write(text);
    else
      try {
        writeFileAtomicSync(path.resolve(args.output), text);
      } catch (error) {
        throw new CcglmError(`cannot write ${args.output}: ${(error as Error).message}`, 1);
      }
  };
  let report = await build(args.plan, format);
  write(report.text);
  if (!args.watch) return 0;
  // Rewritten on each new event while a run holds the lock; once none does, a last time.
  const facts = await readRunFacts(args.plan, process.env);
  const record = eventsFileOf(facts.home.state);
  while (report.live) {
    await new Promise<void>((resolve) => {
      const done = () => {
        unwatchFile(record, done);
        clearTimeout(timer);
        resolve();
      };
      watchFile(record, { interval: 300 }, done);
      const timer = setTimeout(done, 2000); // the lock may go without a new event
    });
    report = await build(args.plan, format);
    write(report.text);
  }
  process.stderr.write(`ccglm: no run in progress; ${args.output} is final\n`);
  return 0;
}
