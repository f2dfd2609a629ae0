import { describe, expect, it } from 'vitest';
import { parseJUnit, parseTestOutputCounts } from './junit.js';

const VITEST = `<?xml version="1.0" encoding="UTF-8" ?>
<testsuites name="vitest tests" tests="3" failures="1" errors="0" time="0.5">
  <testsuite name="test/app.test.ts" tests="3" failures="1" skipped="1">
    <testcase classname="test/app.test.ts" name="lists items" time="0.01"></testcase>
    <testcase classname="test/app.test.ts" name="adds &lt;item&gt;" time="0.02">
      <failure message="expected 2 to be 3 // Object.is equality" type="AssertionError">
AssertionError: expected 2 to be 3 // Object.is equality
 ❯ test/app.test.ts:14:19
 ❯ node_modules/vitest/dist/x.js:1:1
      </failure>
    </testcase>
    <testcase classname="test/app.test.ts" name="later" time="0"><skipped/></testcase>
  </testsuite>
</testsuites>`;

const PYTEST = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="1" failures="1" skipped="0" tests="4">
<testcase classname="tests.test_app" name="test_ok" file="tests/test_app.py" line="3"/>
<testcase classname="tests.test_app" name="test_ok2"/>
<testcase classname="tests.test_app" name="test_bad" file="tests/test_app.py" line="10"><failure message="assert 1 == 2">def test_bad():
&gt;       assert 1 == 2
E       assert 1 == 2

tests/test_app.py:12: AssertionError</failure></testcase>
<testcase classname="tests.test_app" name="test_err"><error message="fixture 'db' not found">tests/test_app.py:20: error</error></testcase>
</testsuite></testsuites>`;

// What `node --test --test-reporter=junit` writes (Node 20 and 24): top-level tests sit straight under
// <testsuites>, a test with subtests becomes a <testsuite>.
const NODE_TEST = `<?xml version="1.0" encoding="utf-8"?>
<testsuites>
	<testcase name="top one" time="0.002370" classname="test"/>
	<testcase name="top fail" time="0.000705" classname="test" failure="boom">
		<failure type="testCodeFailure" message="boom">
[Error [ERR_TEST_FAILURE]: boom] {
  cause: Error: boom
      at TestContext.&lt;anonymous> (file:///w/repo/test/a.test.mjs:3:32)
      at Test.runInAsyncScope (node:async_hooks:206:9)
}
		</failure>
	</testcase>
	<testsuite name="nested" time="0.001603" disabled="0" errors="0" tests="1" failures="0" skipped="0">
		<testcase name="child" time="0.000590" classname="test"/>
	</testsuite>
	<!-- tests 4 -->
</testsuites>`;

describe('parseJUnit', () => {
  it('reads vitest JUnit: counts, failure location from the stack, not node_modules', () => {
    const r = parseJUnit(VITEST, '/w/repo/svc', '/w/repo');
    expect(r).toMatchObject({ passed: 1, failed: 1, skipped: 1, total: 3 });
    expect(r.failures[0]).toMatchObject({ file: 'svc/test/app.test.ts', line: 14, column: 19, severity: 'error' });
    expect(r.failures[0]!.message).toContain('adds <item>');
    expect(r.failures[0]!.message).toContain('expected 2 to be 3');
  });
  it('reads pytest JUnit: failures and errors both fail, file/line attributes used', () => {
    const r = parseJUnit(PYTEST, '/w/repo', '/w/repo');
    expect(r).toMatchObject({ passed: 2, failed: 2, skipped: 0, total: 4 });
    expect(r.failures[0]).toMatchObject({ file: 'tests/test_app.py', line: 10 });
    expect(r.failures[1]).toMatchObject({ file: 'tests/test_app.py', line: 20 });
  });
  it("reads node:test's JUnit: tests straight under <testsuites> count, the failing one included", () => {
    const r = parseJUnit(NODE_TEST, '/w/repo', '/w/repo');
    expect(r).toMatchObject({ passed: 2, failed: 1, skipped: 0, total: 3, suites: 1 });
    expect(r.failures[0]).toMatchObject({ message: 'test > top fail: boom', rule: 'top fail', file: 'test/a.test.mjs', line: 3, column: 32 });
  });
  it('a single <testsuite> root works; non-JUnit XML is rejected', () => {
    expect(parseJUnit('<testsuite><testcase name="a"/></testsuite>', '/', '/')).toMatchObject({ passed: 1, total: 1 });
    expect(() => parseJUnit('<html><body/></html>', '/', '/')).toThrowError(/not a JUnit report/);
  });
});

describe('parseTestOutputCounts', () => {
  it.each([
    [
      ' Test Files  1 failed | 2 passed (3)\n      Tests  1 failed | 4 passed | 1 skipped (6)\n   Start at 10:00',
      { passed: 4, failed: 1, skipped: 1, total: 6 },
    ],
    ['Tests:       2 failed, 3 passed, 5 total', { passed: 3, failed: 2, skipped: 0, total: 5 }],
    ['# tests 5\n# suites 1\n# pass 4\n# fail 1\n# skipped 0\n# todo 0', { passed: 4, failed: 1, skipped: 0, total: 5 }],
    ['ℹ tests 2\nℹ pass 2\nℹ fail 0', { passed: 2, failed: 0, skipped: 0, total: 2 }],
    ['=========== 1 failed, 3 passed, 2 skipped in 0.12s ===========', { passed: 3, failed: 1, skipped: 2, total: 6 }],
    ['============ no tests ran in 0.01s ============', { passed: 0, failed: 0, skipped: 0, total: 0 }],
    ['\u001b[32mTests\u001b[39m  \u001b[1m\u001b[32m7 passed\u001b[39m\u001b[22m (7)', { passed: 7, failed: 0, skipped: 0, total: 7 }],
  ])('reads %j', (output, counts) => {
    expect(parseTestOutputCounts(output)).toEqual(counts);
  });
  it.each([
    [
      'vitest "1 failed", then a TAP block saying 5 passed',
      ' Test Files  1 failed (1)\n      Tests  1 failed | 4 passed (5)\n# tests 5\n# pass 5\n# fail 0',
      { passed: 5, failed: 1, skipped: 0, total: 6 },
    ],
    [
      'TAP "# fail 1", then vitest saying all passed',
      '# tests 3\n# pass 2\n# fail 1\n      Tests  7 passed (7)',
      { passed: 7, failed: 1, skipped: 0, total: 8 },
    ],
    [
      'jest failures, then pytest passing',
      'Tests:       2 failed, 3 passed, 5 total\n===== 4 passed in 0.1s =====',
      { passed: 4, failed: 2, skipped: 0, total: 6 },
    ],
    [
      'pytest failures, then node:test spec passing',
      '==== 1 failed, 3 passed in 0.12s ====\nℹ tests 2\nℹ pass 2\nℹ fail 0',
      { passed: 2, failed: 1, skipped: 0, total: 3 },
    ],
    ['the last runner decides when nothing failed', '      Tests  3 passed (3)\n# tests 5\n# pass 5\n# fail 0', { passed: 5, failed: 0, skipped: 0, total: 5 }],
    ['two TAP blocks: the first one failed', '# tests 2\n# pass 1\n# fail 1\n# tests 4\n# pass 4\n# fail 0', { passed: 4, failed: 1, skipped: 0, total: 5 }],
    ['a TAP block with keys out of order', '# pass 3\n# fail 1\n# tests 4', { passed: 3, failed: 1, skipped: 0, total: 4 }],
  ])('any failed count anywhere is a failure: %s', (_name, output, counts) => {
    expect(parseTestOutputCounts(output)).toEqual(counts);
  });
  it('returns undefined when no summary is present', () => {
    expect(parseTestOutputCounts('hello\nall good')).toBeUndefined();
  });
});
