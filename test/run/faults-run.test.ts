// Fault injection, the rounds that kill the run (kill -9 of `ccglm run`): see faults.ts.
import { faultRounds } from './faults.js';

faultRounds('run');
