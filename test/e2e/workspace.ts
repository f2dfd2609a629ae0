export { copySampleService, scratchSampleService } from '../../src/local/sample-service.js';
