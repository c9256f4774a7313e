import type { CommandSpec } from '../spec.js';
import { planPositional } from './shared.js';

export const statusCommand: CommandSpec = {
  name: 'status',
  summary: 'Where a plan stands: each task’s state, time, health, what blocks what',
  detail:
    'Per wave and task its state, time, the health of running jobs and what blocks what.\nExit 0 all completed, 3 a run is in progress, 4 a task failed, 5 a task is blocked, 6 tasks are left to run.',
  positionals: [planPositional],
  options: {},
  examples: [['ccglm status auth-plan.md', 'where the run of auth-plan.md stands']],
  run: async (args) => {
    const { printStatus } = await import('../status-run.js');
    process.exitCode = await printStatus(args['plan'] as string);
  },
};
