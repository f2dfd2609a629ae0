import { guardTempDirectory } from './temp-guard.js';

export default () => guardTempDirectory('e2e', true);
