import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { parseDrill } from './drill-config.js';

const ALERTS = new Set(['A', 'B', 'C']);
const base = `version: 1
scenarios:
  - name: errors
    traffic:
      - { path: /fault/error, rate: 5, duration: 90s, concurrency: 2 }
    fire:
      - alert: A
        labels: { severity: critical }
    within: 2m
`;

describe('parseDrill', () => {
  it('reads scenarios, defaults silent to every other alert', () => {
    const d = parseDrill(base, 'drill.yml', ALERTS);
    expect(d.parallel).toBe(4);
    expect(d.scenarios).toEqual([
      {
        name: 'errors',
        traffic: [{ method: 'GET', path: '/fault/error', rate: 5, duration: 90_000, concurrency: 2 }],
        fire: [{ alert: 'A', labels: { severity: 'critical' } }],
        silent: ['B', 'C'],
        withinMs: 120_000,
      },
    ]);
  });

  const bad: [string, string, RegExp][] = [
    ['unknown key', base.replace('within: 2m', 'within: 2m\n    wihtin: 3m'), /scenarios\[0\] \("errors"\): unknown key "wihtin"/],
    ['negative rate', base.replace('rate: 5', 'rate: -5'), /scenarios\[0\] \("errors"\)\.traffic\[0\]\.rate: must be a positive number of requests per second/],
    ['unknown alert', base.replace('alert: A', 'alert: AppNope'), /names the alert "AppNope", which no rule file defines \(defined: A, B, C\)/],
    ['path off the service', base.replace('path: /fault/error', 'path: http://example.com/'), /traffic\[0\]\.path: must be a path on the service/],
    ['bad duration', base.replace('duration: 90s', 'duration: soon'), /duration must be a positive duration/],
    ['too many requests', base.replace('rate: 5', 'rate: 500').replace('90s', '30m'), /more than 100000/],
    ['wrong version', base.replace('version: 1', 'version: 2'), /version: /],
    ['not YAML', 'a: [', /not valid YAML/],
    ['fire and silent overlap', base.replace('within: 2m', 'within: 2m\n    silent: [A]'), /both in fire and in silent/],
  ];
  for (const [name, text, message] of bad) {
    it(`a configuration error naming it: ${name}`, () => {
      let caught: unknown;
      try {
        parseDrill(text, 'drill.yml', ALERTS);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ConfigurationError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).message).toContain('drill.yml');
    });
  }
});
