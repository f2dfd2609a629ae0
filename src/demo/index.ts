import { main } from './main.js';

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo stopped: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
