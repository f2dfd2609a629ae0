import { guardTempDirectory } from './temp-guard.js';

// Not strict yet: some unit tests still leave their folders (they are removed with the run's temp directory).
export default () => guardTempDirectory('unit', false);
