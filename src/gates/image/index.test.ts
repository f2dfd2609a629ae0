/**
 * The docker buildx path of the image gate, end to end inside the gate: no Docker engine runs on
 * these machines, so a stand-in `docker` executable records its arguments and environment, writes
 * the metadata file buildx would write and pushes to the registry the way buildx does (a --tag per
 * reference with --push; by digest only with push-by-digest); a local fake registry stores what is
 * pushed and serves it back. Both append to one event log, so the order of what happened is seen.
 * A stand-in `buildah` answers --version only, for the checks that must stop before any build.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse, type Server } from 'node:http';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../core/errors.js';
import { consoleLogger } from '../../core/log.js';
import { scratchDir } from '../../local/scratch.js';
import { sha256Digest } from '../../registry/client.js';
import { runImageGate, type ImageOptions } from './index.js';
import { hostPlatform } from './plan.js';
import type { AddressInfo } from 'node:net';

const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
let dir: string;
let server: Server;
let port = 0;
let savedPath: string | undefined;
let revisionLabel = HEAD;
/** What the fake registry holds: reference (tag or digest) -> manifest bytes. */
const stored = new Map<string, Buffer>();
/** normal; lying: every manifest GET serves manifest(); hang: manifest GETs are never answered. */
let registryMode: 'normal' | 'lying' | 'hang' = 'normal';
const hung: ServerResponse[] = [];

const config = () =>
  Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'org.opencontainers.image.revision': revisionLabel } } }));
const manifest = () =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MANIFEST_TYPE,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config()), size: config().length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 1000 }],
    }),
  );

type Event =
  | { who: 'docker'; args: string[]; dockerConfig?: string; buildxConfig?: string; config?: unknown; plugins: boolean }
  | { who: 'registry'; method: string; url: string };
const eventsFile = () => join(dir, 'events.jsonl');
const events = (): Event[] =>
  existsSync(eventsFile())
    ? readFileSync(eventsFile(), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Event)
    : [];
const dockerCalls = () => events().filter((e): e is Extract<Event, { who: 'docker' }> => e.who === 'docker');
const registryCalls = () => events().filter((e): e is Extract<Event, { who: 'registry' }> => e.who === 'registry');
/** Tags (not digests) the registry holds. */
const tagsHeld = () => [...stored.keys()].filter((k) => !k.startsWith('sha256:')).sort();

beforeAll(async () => {
  dir = scratchDir('rs-image-docker-');
  // No base image to resolve: the registry stand-in sees only the gate's own calls.
  writeFileSync(join(dir, 'Dockerfile'), 'FROM scratch\nCOPY . /\n');
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      writeFileSync(eventsFile(), `${JSON.stringify({ who: 'registry', method: req.method, url: req.url })}\n`, { flag: 'a' });
      const url = req.url!;
      if (url === '/v2/') return res.writeHead(200).end('{}');
      const m = /^\/v2\/acme\/svc\/manifests\/(.+)$/.exec(url);
      if (m && req.method === 'PUT') {
        const body = Buffer.concat(chunks);
        stored.set(decodeURIComponent(m[1]!), body);
        stored.set(sha256Digest(body), body);
        return res.writeHead(201, { 'docker-content-digest': sha256Digest(body) }).end();
      }
      if (m) {
        if (registryMode === 'hang') return void hung.push(res);
        const bytes = registryMode === 'lying' ? manifest() : stored.get(decodeURIComponent(m[1]!));
        if (!bytes) return res.writeHead(404).end('{"errors":[{"code":"MANIFEST_UNKNOWN"}]}');
        return res.writeHead(200, { 'content-type': MANIFEST_TYPE }).end(bytes);
      }
      if (url.includes('/blobs/')) return res.writeHead(200).end(config());
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  // The stand-ins are CommonJS scripts without an extension: pin that, whatever package.json
  // a parent directory (e.g. /tmp) may hold.
  writeFileSync(join(bin, 'package.json'), '{"type":"commonjs"}\n');
  const docker = join(bin, 'docker');
  writeFileSync(
    docker,
    `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const dir = ${JSON.stringify(dir)};
const args = process.argv.slice(2);
const cfg = process.env.DOCKER_CONFIG;
let config;
try { config = JSON.parse(fs.readFileSync(path.join(cfg, 'config.json'), 'utf8')); } catch {}
fs.appendFileSync(path.join(dir, 'events.jsonl'), JSON.stringify({ who: 'docker', args, dockerConfig: cfg, buildxConfig: process.env.BUILDX_CONFIG, config, plugins: Boolean(cfg) && fs.existsSync(path.join(cfg, 'cli-plugins')) }) + '\\n');
const flag = (name) => fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : undefined;
async function main() {
  if (args[0] === 'version') { console.log('27.3.1'); return 0; }
  if (args[0] === 'buildx' && args[1] === 'version') { console.log('github.com/docker/buildx v0.17.1 abc'); return 0; }
  if (args[0] === 'buildx' && args[1] === 'inspect') { console.log('Name:          rs\\nDriver:        ' + (flag('driver') || 'docker-container') + '\\n'); return 0; }
  if (args[0] === 'login') {
    // Like docker: the credentials go to $DOCKER_CONFIG/config.json, or ~/.docker when unset (recorded here instead).
    const password = fs.readFileSync(0, 'utf8');
    const user = args[args.indexOf('--username') + 1];
    const target = cfg ? path.join(cfg, 'config.json') : path.join(dir, 'default-docker-config.json');
    let current = {};
    try { current = JSON.parse(fs.readFileSync(target, 'utf8')); } catch {}
    current.auths = { ...(current.auths || {}), [args[args.length - 1]]: { auth: Buffer.from(user + ':' + password).toString('base64') } };
    fs.writeFileSync(target, JSON.stringify(current));
    return 0;
  }
  if (args[0] === 'buildx' && args[1] === 'build') {
    const meta = args[args.indexOf('--metadata-file') + 1];
    fs.writeFileSync(meta, fs.readFileSync(path.join(dir, 'metadata.json')));
    const bytes = fs.readFileSync(path.join(dir, 'manifest.bin'));
    const put = async (host, repository, reference) => {
      const res = await fetch('http://' + host + '/v2/' + repository + '/manifests/' + reference, { method: 'PUT', headers: { 'content-type': ${JSON.stringify(MANIFEST_TYPE)} }, body: bytes });
      if (res.status !== 201) throw new Error('push failed: HTTP ' + res.status);
    };
    const split = (name) => { const i = name.indexOf('/'); return [name.slice(0, i), name.slice(i + 1)]; };
    const output = args.includes('--output') ? args[args.indexOf('--output') + 1] : '';
    if (args.includes('--push')) {
      for (let i = 0; i < args.length; i++) {
        if (args[i] !== '--tag') continue;
        const ref = args[i + 1];
        const colon = ref.lastIndexOf(':');
        const [host, repository] = split(ref.slice(0, colon));
        await put(host, repository, ref.slice(colon + 1));
      }
    } else if (/(^|,)push=true(,|$)/.test(output) && /push-by-digest=true/.test(output)) {
      const [host, repository] = split(/(?:^|,)name=([^,]+)/.exec(output)[1]);
      await put(host, repository, 'sha256:' + crypto.createHash('sha256').update(bytes).digest('hex'));
    }
    return 0;
  }
  if (args[0] === 'run') { const code = flag('smoke-exit'); if (code) { console.error('smoke output before the failure'); return Number(code); } return 0; }
  return 0;
}
main().then((code) => process.exit(code), (e) => { console.error(String(e)); process.exit(1); });
`,
  );
  chmodSync(docker, 0o755);
  const buildah = join(bin, 'buildah');
  writeFileSync(
    buildah,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(join(dir, 'buildah-calls.jsonl'))}, JSON.stringify(args) + '\\n');
if (args[0] === '--version') { console.log('buildah version 1.39.3 (image-spec 1.1.0, runtime-spec 1.2.0)'); process.exit(0); }
console.error('the stand-in buildah only answers --version');
process.exit(125);
`,
  );
  chmodSync(buildah, 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${bin}${delimiter}${process.env.PATH ?? ''}`;
});

beforeEach(() => {
  stored.clear();
  registryMode = 'normal';
  revisionLabel = HEAD;
  for (const f of ['events.jsonl', 'buildah-calls.jsonl', 'smoke-exit', 'driver', 'default-docker-config.json']) rmSync(join(dir, f), { force: true });
  writeFileSync(join(dir, 'manifest.bin'), manifest());
  writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': sha256Digest(manifest()) }));
});

afterAll(async () => {
  process.env.PATH = savedPath;
  for (const res of hung) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  rmSync(dir, { recursive: true, force: true });
});

function options(extra: Partial<ImageOptions> = {}): ImageOptions {
  return {
    builder: 'auto',
    context: dir,
    file: join(dir, 'Dockerfile'),
    image: { registry: `127.0.0.1:${port}`, repository: 'acme/svc' },
    tags: ['ci', 'sha-abcdef0'],
    buildArgs: [],
    labels: [['org.opencontainers.image.revision', HEAD]],
    revision: HEAD,
    platforms: [],
    push: true,
    smokeCommand: [],
    insecureRegistry: false,
    format: 'docker',
    storageDir: join(dir, 'storage'),
    timeoutMs: 60_000,
    ...extra,
  };
}

const rt = () => ({ log: consoleLogger(true), tempDir: dir, workspace: dir });
/** Index of the first event that matches, -1 when none does. */
const indexOf = (match: (e: Event) => boolean) => events().findIndex(match);
const isDocker = (sub: string) => (e: Event) => e.who === 'docker' && (e.args[0] === sub || e.args[1] === sub);
const isTagPut = (e: Event) => e.who === 'registry' && e.method === 'PUT' && !e.url.includes('sha256:');
const foreignPlatform = hostPlatform() === 'linux/s390x' ? 'linux/ppc64le' : 'linux/s390x';

describe('image gate, docker buildx path', () => {
  it('auto picks docker when the daemon answers; the digest from the metadata file is verified against the registry', async () => {
    const report = await runImageGate(options(), rt());
    expect(report.status, report.summary).toBe('pass');
    expect(report.tool).toEqual({ name: 'docker buildx', version: '0.17.1' });
    expect(report.outputs.digest).toBe(sha256Digest(manifest()));
    const build = dockerCalls().find((c) => c.args[1] === 'build')!.args;
    expect(build).toEqual(expect.arrayContaining(['--provenance=false', '--sbom=false']));
    // Pushed by digest only: buildx names no tag; the gate puts both tags with the bytes it hashed.
    expect(build).toEqual(expect.arrayContaining(['--output', `type=image,name=127.0.0.1:${port}/acme/svc,push-by-digest=true,name-canonical=true,push=true`]));
    expect(build).not.toContain('--tag');
    expect(build).not.toContain('--push');
    expect(
      registryCalls()
        .filter((e) => e.method === 'PUT')
        .map((e) => e.url),
    ).toEqual(
      expect.arrayContaining([`/v2/acme/svc/manifests/${sha256Digest(manifest())}`, '/v2/acme/svc/manifests/ci', '/v2/acme/svc/manifests/sha-abcdef0']),
    );
    expect(tagsHeld()).toEqual(['ci', 'sha-abcdef0']);
    expect(stored.get('ci')!.equals(manifest())).toBe(true);
    // The image table has real headers, not an empty header row.
    const imageSection = report.summarySections.find((s) => s.startsWith('### Image'))!;
    expect(imageSection).toMatch(/^\| property \| value \|$/m);
    expect(imageSection).not.toMatch(/^\|\s+\|\s+\|$/m);
  });

  it('smoke-tests the image by digest after the build and before any tag is put', async () => {
    const report = await runImageGate(options({ smokeCommand: ['node', '-e', 'process.exit(0)'] }), rt());
    expect(report.status, report.summary).toBe('pass');
    const build = indexOf(isDocker('build'));
    const smoke = indexOf(isDocker('run'));
    const firstTag = indexOf(isTagPut);
    expect(build).toBeGreaterThanOrEqual(0);
    expect(smoke).toBeGreaterThan(build);
    expect(firstTag).toBeGreaterThan(smoke);
    expect(dockerCalls().find((c) => c.args[0] === 'run')!.args).toEqual([
      'run',
      '--rm',
      '--entrypoint',
      'node',
      `127.0.0.1:${port}/acme/svc@${sha256Digest(manifest())}`,
      '-e',
      'process.exit(0)',
    ]);
    expect(tagsHeld()).toEqual(['ci', 'sha-abcdef0']);
  });

  it('a failing smoke command fails the gate and no tag names the image', async () => {
    writeFileSync(join(dir, 'smoke-exit'), '3');
    const report = await runImageGate(options({ smokeCommand: ['node', '-e', 'process.exit(3)'] }), rt());
    expect(report.status).toBe('fail');
    expect(report.summary).toContain('the smoke command "node -e process.exit(3)" exited with code 3 inside the built image');
    expect(report.outputs.digest).toBe('');
    expect(report.outputs.tags).toBe('');
    expect(tagsHeld()).toEqual([]);
    expect(registryCalls().filter(isTagPut)).toEqual([]);
  });

  it('a metadata file without containerimage.digest is error, never pass', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'buildx.build.ref': 'x' }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain('the build succeeded but its digest is unknown');
    expect(report.outputs.digest).toBe('');
  });

  it('a digest the registry does not hold is error, and nothing is tagged', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': `sha256:${'9'.repeat(64)}` }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain(
      `the pushed manifest cannot be fetched back: fetching the manifest 127.0.0.1:${port}/acme/svc@sha256:${'9'.repeat(64)}: not found`,
    );
    expect(tagsHeld()).toEqual([]);
  });

  it('a registry that serves other bytes for the digest is error: the bytes are hashed', async () => {
    registryMode = 'lying';
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': `sha256:${'9'.repeat(64)}` }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain(`the bytes served hash to ${sha256Digest(manifest())}, not the digest asked for`);
    expect(tagsHeld()).toEqual([]);
  });

  it('a pushed image whose revision label is not the commit under test is error', async () => {
    revisionLabel = '1111111111111111111111111111111111111111';
    writeFileSync(join(dir, 'manifest.bin'), manifest());
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': sha256Digest(manifest()) }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain('org.opencontainers.image.revision label is "1111111111111111111111111111111111111111"');
  });

  it('credentials go to docker login on stdin, never on the command line', async () => {
    const report = await runImageGate(options({ builder: 'docker', credentials: { username: 'bot', password: 'hunter2-secret' } }), rt());
    expect(report.status, report.summary).toBe('pass');
    const login = dockerCalls().find((c) => c.args[0] === 'login')!;
    expect(login.args).toEqual(['login', '--username', 'bot', '--password-stdin', `127.0.0.1:${port}`]);
    expect(
      dockerCalls()
        .flatMap((c) => c.args)
        .join(' '),
    ).not.toContain('hunter2-secret');
  });

  it('docker runs with DOCKER_CONFIG in the scratch directory, which is gone afterwards; the user configuration is read, never written', async () => {
    const user = scratchDir('rs-user-docker-');
    try {
      mkdirSync(join(user, 'cli-plugins'));
      mkdirSync(join(user, 'buildx'));
      const userConfig = {
        auths: { 'base.example': { auth: Buffer.from('reader:r').toString('base64') } },
        credsStore: 'secretservice',
        credHelpers: { [`127.0.0.1:${port}`]: 'ecr-login', 'other.example': 'gcloud' },
        proxies: { default: { httpProxy: 'http://proxy.example:3128' } },
      };
      writeFileSync(join(user, 'config.json'), JSON.stringify(userConfig));
      const before = readFileSync(join(user, 'config.json'), 'utf8');
      const report = await runImageGate(
        options({ builder: 'docker', credentials: { username: 'bot', password: 'hunter2-secret' }, smokeCommand: ['true'], userDockerConfig: user }),
        rt(),
      );
      expect(report.status, report.summary).toBe('pass');
      const calls = dockerCalls();
      const configs = new Set(calls.map((c) => c.dockerConfig));
      expect(configs.size).toBe(1);
      const used = [...configs][0]!;
      expect(used).toMatch(new RegExp(`^${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/release-safety-image-[^/]+/docker$`));
      expect(existsSync(used)).toBe(false);
      // Every call, probes included, saw it.
      expect(calls.map((c) => (c.args[0] === 'buildx' ? c.args[1] : c.args[0]))).toEqual(['version', 'version', 'inspect', 'login', 'build', 'run']);
      // The login went to the scratch configuration; the user's is untouched, the default location never written.
      expect(readFileSync(join(user, 'config.json'), 'utf8')).toBe(before);
      expect(existsSync(join(dir, 'default-docker-config.json'))).toBe(false);
      const seenAtBuild = calls.find((c) => c.args[1] === 'build')!;
      expect(seenAtBuild.config).toEqual({
        auths: { 'base.example': userConfig.auths['base.example'], [`127.0.0.1:${port}`]: { auth: Buffer.from('bot:hunter2-secret').toString('base64') } },
        credHelpers: { 'other.example': 'gcloud' },
        proxies: userConfig.proxies,
      });
      expect(seenAtBuild.plugins).toBe(true);
      expect(seenAtBuild.buildxConfig).toBe(join(user, 'buildx'));
    } finally {
      rmSync(user, { recursive: true, force: true });
    }
  });

  it('registry calls stop at timeout-seconds: a registry that never answers is error naming the timeout', async () => {
    registryMode = 'hang';
    const started = Date.now();
    const report = await runImageGate(options({ timeoutMs: 2000 }), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain('the pushed manifest cannot be fetched back');
    expect(report.summary).toContain('timeout-seconds (2 s) ran out');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('builder: docker with the docker driver (which cannot push by digest) is error before building; auto builds with buildah', async () => {
    writeFileSync(join(dir, 'driver'), 'docker');
    const report = await runImageGate(options({ builder: 'docker' }), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain('the current buildx builder uses the docker driver, which cannot push by digest');
    expect(report.summary).toContain('docker/setup-buildx-action');
    expect(dockerCalls().some((c) => c.args[1] === 'build')).toBe(false);
    const auto = await runImageGate(options({ builder: 'auto', storageDir: join(dir, 'storage-auto') }), rt());
    expect(auto.tool.name).toBe('buildah');
    expect(dockerCalls().some((c) => c.args[1] === 'build')).toBe(false);
  });
});

describe('image gate: configuration checked before building', () => {
  it.each(['docker', 'buildah'] as const)('%s: smoke-command with platforms that exclude the runner is a ConfigurationError naming both', async (builder) => {
    const error = await runImageGate(options({ builder, smokeCommand: ['true'], platforms: [foreignPlatform] }), rt()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain('input "smoke-command"');
    expect((error as Error).message).toContain(`input "platforms" (${foreignPlatform}) does not include ${hostPlatform()}`);
    expect(dockerCalls()).toEqual([]);
    expect(existsSync(join(dir, 'buildah-calls.jsonl'))).toBe(false);
  });

  it('a storage-dir that cannot be created is a ConfigurationError naming storage-dir', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'not a directory\n');
    const error = await runImageGate(options({ builder: 'buildah', push: false, storageDir: join(file, 'storage') }), rt()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toContain(
      `input "storage-dir" names ${JSON.stringify(join(file, 'storage'))}, where buildah's storage cannot be created or written (ENOTDIR)`,
    );
    // Nothing was built: buildah was at most asked for its version (the probe runs beside the checks).
    const calls = existsSync(join(dir, 'buildah-calls.jsonl')) ? readFileSync(join(dir, 'buildah-calls.jsonl'), 'utf8').trim().split('\n') : [];
    expect(calls.filter((c) => c !== JSON.stringify(['--version']))).toEqual([]);
  });
});
