// Fault injection, the rounds that kill the run's job host (kill -9): see faults.ts.
import { faultRounds } from './faults.js';

faultRounds('host');
