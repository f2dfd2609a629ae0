#!/usr/bin/env node
// The package's command line: `npx release-safety run` and `npx release-safety verify`.
await import('../dist/cli/index.js');
