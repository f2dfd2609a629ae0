import { describe, expect, it } from 'vitest';
import { splitByBase } from './introduced.js';
import { parseLockfile, type LockPackage } from './lockfile.js';
import type { VulnFinding } from './model.js';

const lock = (packages: Record<string, LockPackage>) => parseLockfile(JSON.stringify({ lockfileVersion: 3, packages }), 'package-lock.json');

function finding(location: string, version: string, dev = false): VulnFinding {
  const name = location.slice(location.lastIndexOf('node_modules/') + 13);
  return {
    ecosystem: 'npm',
    package: name,
    version,
    location,
    advisoryId: 'GHSA-x',
    ids: ['GHSA-x'],
    title: 't',
    severity: 'high',
    severitySource: 'advisory',
    path: [name],
    direct: true,
    dev,
  };
}

const BASE = lock({
  '': { dependencies: { a: '1', lodash: '4' } },
  'node_modules/a': { version: '1.0.0', dependencies: { minimist: '0.0.8' } },
  'node_modules/minimist': { version: '0.0.8' },
  'node_modules/lodash': { version: '4.17.15' },
});

describe('splitByBase: what a change introduces against the base lockfile', () => {
  const cases: { name: string; head: Record<string, LockPackage>; f: VulnFinding; introduced: boolean }[] = [
    { name: 'the same copy, the same dependents: existing', head: BASE.packages, f: finding('node_modules/minimist', '0.0.8'), introduced: false },
    {
      name: 'the same version moved by hoisting (same dependents by name): existing',
      head: {
        '': { dependencies: { a: '1', lodash: '4', minimist: '1.2.8' } },
        'node_modules/a': { version: '1.0.0', dependencies: { minimist: '0.0.8' } },
        'node_modules/a/node_modules/minimist': { version: '0.0.8' },
        'node_modules/minimist': { version: '1.2.8' },
        'node_modules/lodash': { version: '4.17.15' },
      },
      f: finding('node_modules/a/node_modules/minimist', '0.0.8'),
      introduced: false,
    },
    {
      name: 'an upgrade into another vulnerable version: introduced',
      head: { ...BASE.packages, 'node_modules/lodash': { version: '4.17.20' } },
      f: finding('node_modules/lodash', '4.17.20'),
      introduced: true,
    },
    {
      name: 'a new dependent of the same copy (a new dependency path): introduced',
      head: { ...BASE.packages, '': { dependencies: { a: '1', lodash: '4', minimist: '0.0.8' } } },
      f: finding('node_modules/minimist', '0.0.8'),
      introduced: true,
    },
    {
      name: 'a package the base does not have: introduced',
      head: { ...BASE.packages, 'node_modules/b': { version: '2.0.0' } },
      f: finding('node_modules/b', '2.0.0'),
      introduced: true,
    },
    { name: 'a finding the head lockfile cannot place: introduced', head: BASE.packages, f: finding('node_modules/ghost', '1.0.0'), introduced: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const split = splitByBase([c.f], lock(c.head), BASE);
      expect(split.introduced.length === 1).toBe(c.introduced);
      expect(split.existing.length === 1).toBe(!c.introduced);
    });
  }

  it('a dev-only copy on the base that the change ships: introduced; still dev-only: existing', () => {
    const base = lock({ '': { devDependencies: { lodash: '4' } }, 'node_modules/lodash': { version: '4.17.15', dev: true } });
    const shipped = lock({ '': { dependencies: { lodash: '4' } }, 'node_modules/lodash': { version: '4.17.15' } });
    expect(splitByBase([finding('node_modules/lodash', '4.17.15', false)], shipped, base).introduced).toHaveLength(1);
    expect(splitByBase([finding('node_modules/lodash', '4.17.15', true)], base, base).existing).toHaveLength(1);
  });
});
