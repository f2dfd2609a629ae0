import { startAction } from '../../core/entry.js';
import { run } from './main.js';

// run() never rejects: it reports every failure itself and sets the exit code.
startAction(run);
