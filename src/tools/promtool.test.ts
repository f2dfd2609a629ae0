import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from '../core/errors.js';
import { consoleLogger } from '../core/log.js';
import { scratchDir } from '../local/scratch.js';
import { PROMTOOL_DEFAULT_VERSION } from './catalog.js';
import { installTool } from './installer.js';
import { acquirePromtool, isCommandName, type PromtoolRequest } from './promtool.js';

vi.mock('./installer.js', () => ({
  installTool: vi.fn(async (req: { version: string; addPath?: (dir: string) => void }) => {
    req.addPath?.('/cache/promtool/bin');
    return { path: '/cache/promtool/bin/promtool', version: req.version, fromCache: false, sha256: 'x' };
  }),
}));

/** A directory holding an executable named promtool, as a runner image with Prometheus installed would. */
function pathWithPromtool(): string {
  const dir = scratchDir('rs-path-');
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'promtool'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'promtool'), 0o755);
  return join(dir, 'bin');
}

function options(extra: Partial<PromtoolRequest>): PromtoolRequest {
  return { path: '', version: '', mirrorUrl: '', searchPath: '', tempDir: tmpdir(), log: consoleLogger(false), ...extra };
}

describe('acquirePromtool', () => {
  beforeEach(() => {
    vi.mocked(installTool).mockClear();
  });

  it('with neither promtool-path nor promtool-version, installs the pinned default even when a promtool is on PATH', async () => {
    const added: string[] = [];
    const got = await acquirePromtool(options({ searchPath: pathWithPromtool(), addPath: (d) => added.push(d) }));
    expect(got).toEqual({ path: '/cache/promtool/bin/promtool', source: 'installed', version: PROMTOOL_DEFAULT_VERSION });
    expect(vi.mocked(installTool)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(installTool).mock.calls[0]![0]).toMatchObject({ tool: 'promtool', version: PROMTOOL_DEFAULT_VERSION });
    // The installed promtool goes on PATH for the job's later steps.
    expect(added).toEqual(['/cache/promtool/bin']);
  });

  it('promtool-version installs that version, through the mirror when one is given', async () => {
    await acquirePromtool(options({ version: '2.53.4', mirrorUrl: 'https://mirror.example.com/prometheus/' }));
    expect(vi.mocked(installTool).mock.calls[0]![0]).toMatchObject({ version: '2.53.4', mirrorUrl: 'https://mirror.example.com/prometheus/' });
  });

  it('promtool-path "promtool" is looked up on PATH: the explicit way to use an installed one', async () => {
    const bin = pathWithPromtool();
    const got = await acquirePromtool(options({ path: 'promtool', searchPath: `relative/dir:${bin}` }));
    expect(got).toEqual({ path: join(bin, 'promtool'), source: 'PATH' });
    expect(vi.mocked(installTool)).not.toHaveBeenCalled();
  });

  it('a command name that is not on PATH is a configuration error naming the input', async () => {
    const err = await acquirePromtool(options({ path: 'promtool', searchPath: '/nonexistent' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigurationError);
    expect((err as Error).message).toMatch(/^input "promtool-path" is the command name "promtool", but no executable of that name is on PATH/);
  });

  it('a failed install says how to use an installed promtool instead', async () => {
    vi.mocked(installTool).mockRejectedValueOnce(new Error('download of https://x/prometheus-2.53.4.linux-amd64.tar.gz failed: HTTP 404 Not Found'));
    await expect(acquirePromtool(options({}))).rejects.toThrow(
      /the pinned promtool 2\.53\.4 could not be installed: download .* HTTP 404 .*set promtool-path, e\.g\. "promtool"/,
    );
  });
});

describe('isCommandName', () => {
  it.each([
    ['promtool', true],
    ['promtool-2.53', true],
    ['./promtool', false],
    ['bin/promtool', false],
    ['/usr/bin/promtool', false],
    ['..', false],
    ['', false],
  ])('%s', (value, expected) => expect(isCommandName(value)).toBe(expected));
});
