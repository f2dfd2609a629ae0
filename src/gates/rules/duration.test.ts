import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['30s', 30_000],
    ['1m', 60_000],
    ['1h30m', 5_400_000],
    ['1d', 86_400_000],
    ['500ms', 500],
    ['1m30s500ms', 90_500],
  ])('%s = %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '1x', '1.5m', '-1m', '30s1m', '1 m', 'm', '5'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [30_000, '30s'],
    [90_000, '1m30s'],
    [420_000, '7m'],
    [86_400_000 + 60_000, '1d1m'],
  ])('%d ms = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
