import { describe, expect, it } from 'vitest';
import { metricLabel, sourceLocation, sourceUrl } from './labels.js';

const links = { serverUrl: 'https://github.com', repository: 'acme/service', sha: 'a'.repeat(40) };

describe('metricLabel', () => {
  it.each([
    ['commitsScanned', 'commits scanned'],
    ['filesChecked', 'files checked'],
    ['alertsTested', 'alerts tested'],
    ['unusedExceptions', 'unused exceptions'],
    ['errors', 'errors'],
    ['buildMs', 'build (ms)'],
    ['sizeBytes', 'size (bytes)'],
    ['files_checked', 'files checked'],
    ['tests-failed', 'tests failed'],
    ['maxCVSSScore', 'max CVSS score'],
    ['p95LatencyMs', 'p95 latency (ms)'],
    ['ms', 'ms'],
  ])('%s -> %s', (key, label) => {
    expect(metricLabel(key)).toBe(label);
  });
});

describe('source locations', () => {
  it('links a file and line at the commit', () => {
    expect(sourceUrl(links, 'src/a b.ts', 3)).toBe(`https://github.com/acme/service/blob/${'a'.repeat(40)}/src/a%20b.ts#L3`);
    expect(sourceLocation(links, 'src/a.ts', 3)).toBe(`[src/a.ts&#58;3](https://github.com/acme/service/blob/${'a'.repeat(40)}/src/a.ts#L3)`);
    expect(sourceLocation(links, 'src/a.ts')).toBe(`[src/a.ts](https://github.com/acme/service/blob/${'a'.repeat(40)}/src/a.ts)`);
  });

  it.each([['/etc/passwd'], ['../outside.ts'], ['a/./b.ts'], ['a//b.ts'], ['a\nb.ts']])('shows %j as code, never as a link', (file) => {
    expect(sourceUrl(links, file, 1)).toBeUndefined();
    expect(sourceLocation(links, file, 1)).toMatch(/^<code>/);
  });

  it('shows code without links, or with a malformed commit', () => {
    expect(sourceLocation(undefined, 'src/a.ts', 2)).toBe('<code>src/a.ts&#58;2</code>');
    expect(sourceLocation({ ...links, sha: 'main' }, 'src/a.ts', 2)).toBe('<code>src/a.ts&#58;2</code>');
  });
});
