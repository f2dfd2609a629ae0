// A setup file of both vitest configs: each test file's scratch folders go when the file ends.
import { afterAll } from 'vitest';
import { removeScratchDirs } from './scratch.js';

afterAll(() => removeScratchDirs());
