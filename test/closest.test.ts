import { describe, expect, it } from 'vitest';
import { closest } from '../src/closest.js';

describe('closest: did you mean', () => {
  const jobCommands = ['start', 'status', 'check', 'health', 'stop', 'tail'];

  it('two letters swapped find the word with those letters, not another as far away', () => {
    expect(closest('stauts', jobCommands)).toBe('status');
    expect(closest('strat', jobCommands)).toBe('start');
  });

  it('a typo is near, a word of its own is not; dashes and case do not count', () => {
    expect(closest('heatlh', jobCommands)).toBe('health');
    expect(closest('deploy', jobCommands)).toBeUndefined();
    expect(closest('log_dir', ['log-dir', 'logs'])).toBe('log-dir');
  });
});
