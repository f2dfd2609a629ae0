export { HOSTILE, pullRequestEvent, type PullRequestFixture } from '../../src/local/events.js';
