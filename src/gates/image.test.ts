/**
 * The docker buildx path of the image gate, end to end inside the gate: no Docker engine runs on
 * these machines, so a stand-in `docker` executable records its arguments and writes the metadata
 * file buildx would write, and a local fake registry serves the pushed manifest back.
 */
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleLogger } from '../core/log.js';
import { sha256Digest } from '../registry/client.js';
import { runImageGate, type ImageOptions } from './image.js';

const HEAD = 'abcdef0123456789abcdef0123456789abcdef01';
let dir: string;
let server: Server;
let port = 0;
let savedPath: string | undefined;
let revisionLabel = HEAD;
const put: string[] = [];

const config = () => Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: { 'org.opencontainers.image.revision': revisionLabel } } }));
const manifest = () =>
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config()), size: config().length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: `sha256:${'1'.repeat(64)}`, size: 1000 }],
    }),
  );

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rs-image-docker-'));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/v2/') return res.writeHead(200).end('{}');
      if (req.method === 'PUT') {
        put.push(req.url!);
        return res.writeHead(201).end();
      }
      if (req.url!.includes('/manifests/')) return res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' }).end(manifest());
      if (req.url!.includes('/blobs/')) return res.writeHead(200).end(config());
      res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // The stand-in docker: records argv, answers version probes, writes the buildx metadata file.
  const fake = join(dir, 'docker');
  writeFileSync(
    fake,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(join(dir, 'calls.jsonl'))}, JSON.stringify(args) + '\\n');
if (args[0] === 'version') { console.log('27.3.1'); process.exit(0); }
if (args[0] === 'buildx' && args[1] === 'version') { console.log('github.com/docker/buildx v0.17.1 abc'); process.exit(0); }
if (args[0] === 'buildx' && args[1] === 'build') {
  const meta = args[args.indexOf('--metadata-file') + 1];
  fs.writeFileSync(meta, fs.readFileSync(${JSON.stringify(join(dir, 'metadata.json'))}));
  process.exit(0);
}
process.exit(0);
`,
  );
  chmodSync(fake, 0o755);
  savedPath = process.env.PATH;
  process.env.PATH = `${dir}${delimiter}${process.env.PATH ?? ''}`;
});

afterAll(async () => {
  process.env.PATH = savedPath;
  await new Promise<void>((r) => server.close(() => r()));
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
const calls = (): string[][] => readFileSync(join(dir, 'calls.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);

describe('image gate, docker buildx path', () => {
  it('auto picks docker when the daemon answers; the digest from the metadata file is verified against the registry', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': sha256Digest(manifest()) }));
    const report = await runImageGate(options(), rt());
    expect(report.status, report.summary).toBe('pass');
    expect(report.tool).toEqual({ name: 'docker buildx', version: '0.17.1' });
    expect(report.outputs.digest).toBe(sha256Digest(manifest()));
    const build = calls().find((c) => c[1] === 'build')!;
    expect(build).toEqual(expect.arrayContaining(['--provenance=false', '--sbom=false', '--push', '--tag', `127.0.0.1:${port}/acme/svc:ci`]));
    expect(put).toEqual(['/v2/acme/svc/manifests/sha-abcdef0']);
  });

  it('a metadata file without containerimage.digest is error, never pass', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'buildx.build.ref': 'x' }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain('the build succeeded but its digest is unknown');
    expect(report.outputs.digest).toBe('');
  });

  it('a digest the registry does not serve is error', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': `sha256:${'9'.repeat(64)}` }));
    const report = await runImageGate(options(), rt());
    expect(report.status).toBe('error');
    expect(report.summary).toContain(`serves a manifest that hashes to ${sha256Digest(manifest())}`);
  });

  it('a pushed image whose revision label is not the commit under test is error', async () => {
    revisionLabel = '1111111111111111111111111111111111111111';
    try {
      writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': sha256Digest(manifest()) }));
      const report = await runImageGate(options(), rt());
      expect(report.status).toBe('error');
      expect(report.summary).toContain('org.opencontainers.image.revision label is "1111111111111111111111111111111111111111"');
    } finally {
      revisionLabel = HEAD;
    }
  });

  it('credentials go to docker login on stdin, never on the command line', async () => {
    writeFileSync(join(dir, 'metadata.json'), JSON.stringify({ 'containerimage.digest': sha256Digest(manifest()) }));
    const report = await runImageGate(options({ builder: 'docker', credentials: { username: 'bot', password: 'hunter2-secret' } }), rt());
    expect(report.status, report.summary).toBe('pass');
    const login = calls().find((c) => c[0] === 'login')!;
    expect(login).toEqual(['login', '--username', 'bot', '--password-stdin', `127.0.0.1:${port}`]);
    expect(calls().flat().join(' ')).not.toContain('hunter2-secret');
  });
});
