import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../core/errors.js';
import { consoleLogger } from '../core/log.js';
import { addPath } from '../core/runner.js';
import { gitleaksInstallRequest, gitleaksVersionInput, mirrorUrlInput } from './gitleaks.js';

describe('secrets action inputs', () => {
  it('mirror-url: http(s) only, no credentials, the value never echoed', () => {
    expect(mirrorUrlInput('')).toBeUndefined();
    expect(mirrorUrlInput('https://artifacts.example.com/gitleaks')).toBe('https://artifacts.example.com/gitleaks');
    expect(mirrorUrlInput('http://127.0.0.1:8080/g')).toBe('http://127.0.0.1:8080/g');
    for (const bad of [
      'not a url',
      'ftp://mirror.example.com/g',
      'file:///etc/passwd',
      'https://user:hunter2secret@mirror.example.com/g',
      'https://tokenonly@mirror.example.com/g',
    ]) {
      let error: unknown;
      try {
        mirrorUrlInput(bad);
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('input "mirror-url"');
      expect((error as Error).message).not.toContain('hunter2secret');
      expect((error as Error).message).not.toContain('tokenonly');
    }
  });

  it('gitleaks-version: an unpinned version names the input and the pinned versions', () => {
    expect(gitleaksVersionInput('8.28.0')).toBe('8.28.0');
    expect(gitleaksVersionInput('v8.28.0')).toBe('8.28.0');
    expect(() => gitleaksVersionInput('0.0.1')).toThrow(ConfigurationError);
    expect(() => gitleaksVersionInput('0.0.1')).toThrow(/input "gitleaks-version" is "0\.0\.1".*8\.28\.0/);
  });

  it('the install puts gitleaks on PATH for later steps (addPath from the runner protocol)', () => {
    const req = gitleaksInstallRequest({ version: '8.28.0', mirrorUrl: '', tempDir: '/tmp/x', log: consoleLogger(false), addPath });
    expect(req).toMatchObject({ tool: 'gitleaks', version: '8.28.0', tempDir: '/tmp/x' });
    expect(req.addPath).toBe(addPath);
    expect(req.mirrorUrl).toBeUndefined();
  });
});
