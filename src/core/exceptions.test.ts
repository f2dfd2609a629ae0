import { describe, expect, it } from 'vitest';
import { ConfigurationError } from './errors.js';
import { ExceptionLedger, exceptionState, lastAllowedExpiry, parseExceptions } from './exceptions.js';

const FILE = `# who may ship what
exceptions:
  - id: GHSA-jf85-cpcp-j695
    reason: not reachable from our code
    owner: "@acme/payments"
    expires: 2026-12-31
  - id: CVE-2021-44906
    reason: dev-only tool
    owner: bob
    expires: 2026-01-01
  - fingerprint: abc:src/a.ts:generic-api-key:3
    reason: revoked test key
    owner: alice
    expires: 2027-01-01
  - id: GHSA-unused-0000-0000
    reason: left over
    owner: carol
    expires: 2027-06-30
`;

describe('exceptions file', () => {
  const now = new Date('2026-11-23T12:00:00Z');

  it('parses entries with their file:line', () => {
    const entries = parseExceptions(FILE, '.github/x.yml');
    expect(entries).toHaveLength(4);
    expect(entries[0]).toMatchObject({ key: 'GHSA-jf85-cpcp-j695', kind: 'id', owner: '@acme/payments', expires: '2026-12-31', where: '.github/x.yml:3' }); // gitleaks:allow (advisory id, not a key)
    expect(entries[2]).toMatchObject({ kind: 'fingerprint', where: '.github/x.yml:11' });
  });

  it('an entry is live through its whole expiry day (UTC), expired after', () => {
    const [e] = parseExceptions('exceptions:\n  - id: X-1\n    reason: why not\n    owner: a\n    expires: 2026-11-23\n', 'f');
    expect(exceptionState(e!, new Date('2026-11-23T23:59:59Z'))).toBe('live');
    expect(exceptionState(e!, new Date('2026-11-24T00:00:00Z'))).toBe('expired');
  });

  it('an expiry further ahead than the cap is beyond-cap, up to and including the last allowed day it is live', () => {
    const at = (expires: string) => parseExceptions(`exceptions:\n  - id: X-1\n    reason: why not\n    owner: a\n    expires: ${expires}\n`, 'f')[0]!;
    const today = new Date('2026-12-01T18:00:00Z');
    expect(lastAllowedExpiry(today, 90)).toBe('2027-03-01');
    expect(exceptionState(at('2027-03-01'), today, 90)).toBe('live');
    expect(exceptionState(at('2027-03-02'), today, 90)).toBe('beyond-cap');
    expect(exceptionState(at('2099-12-31'), today, 90)).toBe('beyond-cap');
    expect(exceptionState(at('2099-12-31'), today)).toBe('live');
    expect(exceptionState(at('2026-11-30'), today, 90)).toBe('expired');
    expect(exceptionState(at('2026-12-01'), today, 0)).toBe('live');
    expect(exceptionState(at('2026-12-02'), today, 0)).toBe('beyond-cap');
    const ledger = new ExceptionLedger([at('2099-12-31')], 'audit', today, 90);
    expect(ledger.match(['x-1'])).toMatchObject({ state: 'beyond-cap' });
    expect(ledger.report()).toMatchObject({ applied: [], expired: [], beyondCap: [{ key: 'X-1' }], unused: [] });
  });

  it('the ledger reports applied, expired (matched) and unused entries, per gate', () => {
    const entries = parseExceptions(FILE, 'f');
    const audit = new ExceptionLedger(entries, 'audit', now);
    expect(audit.match(['CVE-2020-8203', 'ghsa-jf85-cpcp-j695'])).toMatchObject({ state: 'live', entry: { key: 'GHSA-jf85-cpcp-j695' } }); // gitleaks:allow (advisory id, not a key)
    expect(audit.match(['CVE-2021-44906'])).toMatchObject({ state: 'expired' });
    expect(audit.match(['GHSA-none'])).toBeUndefined();
    // fingerprints belong to the secrets gate
    expect(audit.match(['abc:src/a.ts:generic-api-key:3'])).toBeUndefined();
    const r = audit.report();
    expect(r.applied.map((e) => e.key)).toEqual(['GHSA-jf85-cpcp-j695']);
    expect(r.expired.map((e) => e.key)).toEqual(['CVE-2021-44906']);
    expect(r.unused.map((e) => e.key)).toEqual(['GHSA-unused-0000-0000']);
    const secrets = new ExceptionLedger(entries, 'secrets', now);
    expect(secrets.match(['abc:src/a.ts:generic-api-key:3'])?.state).toBe('live');
    // Fingerprints name paths: src/A.ts is another file.
    expect(new ExceptionLedger(entries, 'secrets', now).match(['abc:src/A.ts:generic-api-key:3'])).toBeUndefined();
  });

  it.each([
    ['exceptions:\n  - id: X\n    owner: a\n    expires: 2026-01-01\n', /exception at f:2: field "reason"/],
    ['exceptions:\n  - id: X\n    reason: because\n    owner: a\n    expires: 31/12/2026\n', /field "expires" must be a date in the form YYYY-MM-DD/],
    ['exceptions:\n  - id: X\n    reason: because\n    owner: a\n    expires: 2026-02-30\n', /not a real calendar date/],
    ['exceptions:\n  - id: X\n    fingerprint: Y\n    reason: because\n    owner: a\n    expires: 2026-01-01\n', /exactly one of "id"/],
    ['exceptions:\n  - id: X\n    reason: because\n    owner: a\n    expires: 2026-01-01\n    note: extra\n', /exception at f:6: unknown field "note"/],
    [
      'exceptions:\n  - id: X\n    reason: because\n    owner: a\n    expires: 2026-01-01\n  - id: x\n    reason: again\n    owner: b\n    expires: 2026-01-01\n',
      /f:6: repeats id x already listed at f:2/,
    ],
    ['allow: [1]\n', /must be a mapping with one key "exceptions"/],
    ['exceptions: [\n', /f:\d+ is not valid YAML/],
  ])('rejects a malformed file with a message naming the place: %#', (text, message) => {
    expect(() => parseExceptions(text, 'f')).toThrowError(ConfigurationError);
    expect(() => parseExceptions(text, 'f')).toThrowError(message);
  });

  it("a file with three problems lists all three, each at its line, in the suite's own words", () => {
    const text = [
      'exceptions:',
      '  - id: GHSA-aaaa-bbbb-cccc', // 2: no reason
      '    owner: a',
      '    expires: 2026-01-01',
      '  - id: GHSA-dddd-eeee-ffff', // 5
      '    reason: because',
      '    owner: 42', // 7: not text
      '    expires: 31/12/2026', // 8: not a date
      '',
    ].join('\n');
    let message = '';
    try {
      parseExceptions(text, 'f.yml');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigurationError);
      message = (error as Error).message;
    }
    expect(message).toContain('exceptions file f.yml has 3 problems: ');
    expect(message).toContain('exception at f.yml:2: field "reason" is missing: it must say why the finding is accepted');
    expect(message).toContain('exception at f.yml:7: field "owner" must name who owns the exception');
    expect(message).toContain('exception at f.yml:8: field "expires" must be a date in the form YYYY-MM-DD');
    expect(message).not.toMatch(/Invalid input|expected string|received|Unrecognized/i);
  });

  it('no validation-library wording for any malformed entry', () => {
    const bad = ['exceptions:', '  - id: 7', '    reason: [x]', '    owner: {a: 1}', '    expires: 20261231', '    gate: lint', '  - just text', ''].join('\n');
    expect(() => parseExceptions(bad, 'f')).toThrowError(/has 6 problems/);
    try {
      parseExceptions(bad, 'f');
    } catch (error) {
      expect((error as Error).message).not.toMatch(/Invalid input|expected (string|number)|received|Unrecognized|Too (small|big)/i);
      expect((error as Error).message).toContain('exception at f:7: the entry is not a mapping of fields');
    }
  });

  it('an empty file is no exceptions', () => {
    expect(parseExceptions('', 'f')).toEqual([]);
    expect(parseExceptions('exceptions: []\n', 'f')).toEqual([]);
  });
});
