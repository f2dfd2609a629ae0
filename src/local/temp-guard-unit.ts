import { guardTempDirectory } from './temp-guard.js';

// Strict: a unit test that leaves a folder in the temp directory fails the run.
export default () => guardTempDirectory('unit', true);
