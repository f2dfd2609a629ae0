#!/usr/bin/env node
// Benchmark: promotion cost does not grow with the image. One run of `node bench/promote.mjs`:
// a 5 MB and a 500 MB image (one random-data layer each, pushed blob by blob with the suite's
// registry client, no buildah), each with a signed evidence attestation, on docker-registry
// (127.0.0.1, a free port) behind the counting proxy. Each is promoted ci -> prod by
// dist/promote/index.js as the runner runs it, alternating small/large, and copied with
// `skopeo copy` of the same tag for comparison. Prints the medians, the large/small ratio
// (target: at most 1.2) and the bytes that crossed the proxy by kind (target: no layer bytes).
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, openSync, closeSync, writeFileSync, writeSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.argv[2] ?? 3);
const work = mkdtempSync(join(tmpdir(), 'rs-bench-promote-'));
const MiB = 1024 * 1024;

// The suite's own TypeScript helpers, bundled once (import.meta.url pinned so REPO_ROOT is this repository).
const entry = join(work, 'entry.ts');
const lib = join(work, 'lib.mjs');
writeFileSync(
  entry,
  [
    `export { startRegistry } from ${JSON.stringify(join(root, 'src/local/registry.ts'))};`,
    `export { startRegistryProxy } from ${JSON.stringify(join(root, 'src/local/registry-proxy.ts'))};`,
    `export { runAction } from ${JSON.stringify(join(root, 'src/local/harness.ts'))};`,
    `export { RegistryClient } from ${JSON.stringify(join(root, 'src/registry/client.ts'))};`,
    `export { pushBlob } from ${JSON.stringify(join(root, 'src/registry/content.ts'))};`,
    `export { attachAttestation } from ${JSON.stringify(join(root, 'src/attest/attach.ts'))};`,
    `export { evidenceBundle } from ${JSON.stringify(join(root, 'test/e2e/promote-fixtures.ts'))};`,
  ].join('\n'),
);
await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  outfile: lib,
  logLevel: 'error',
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'src/local/harness.ts')).href) },
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
});
const m = await import(pathToFileURL(lib).href);

/** A random-data layer file of `bytes`, hashed as it is written. */
function randomLayer(bytes) {
  const path = join(work, `layer-${bytes}`);
  const fd = openSync(path, 'w');
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; left -= 4 * MiB) {
    const chunk = randomBytes(Math.min(4 * MiB, left));
    hash.update(chunk);
    writeSync(fd, chunk);
  }
  closeSync(fd);
  return { path, digest: `sha256:${hash.digest('hex')}`, size: bytes };
}

/** Streams a file as one blob (POST then PUT ?digest=), straight to the registry: a 500 MB Buffer never sits in memory. */
async function streamBlob(registryUrl, repo, layer) {
  const started = await fetch(`${registryUrl}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { 'content-length': '0' } });
  if (started.status !== 202) throw new Error(`upload start: HTTP ${started.status}`);
  const location = new URL(started.headers.get('location'), registryUrl);
  location.searchParams.set('digest', layer.digest);
  await new Promise((resolve, reject) => {
    const req = request(location, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'content-length': String(layer.size) } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`upload: HTTP ${res.statusCode}`))));
    });
    req.on('error', reject);
    createReadStream(layer.path).pipe(req);
  });
}

async function pushImage(registry, client, repo, bytes, revision) {
  const layer = randomLayer(bytes);
  await streamBlob(registry.url, repo, layer);
  rmSync(layer.path);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Labels: { 'org.opencontainers.image.revision': revision } },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  );
  const configDigest = await m.pushBlob(client, repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layer.digest, size: layer.size }],
    }),
  );
  const digest = await client.putManifest(repo, 'ci', manifest, 'application/vnd.oci.image.manifest.v1+json');
  return { digest, manifestBytes: manifest.length };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const f = (n) => n.toFixed(0);
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;

const registry = await m.startRegistry();
const proxy = await m.startRegistryProxy(registry.port);
try {
  const client = new m.RegistryClient({ registry: registry.host });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const images = {};
  for (const [name, bytes] of [
    ['small', 5 * MiB],
    ['large', 500 * MiB],
  ]) {
    const revision = randomBytes(20).toString('hex');
    const t0 = performance.now();
    const image = await pushImage(registry, client, `bench/${name}`, bytes, revision);
    const subject = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.digest, size: image.manifestBytes };
    await m.attachAttestation({ client, repository: `bench/${name}`, subject, bundle: m.evidenceBundle(image.digest, revision), signingKey: privateKey });
    images[name] = { ...image, bytes, promote: [], skopeo: [], traffic: undefined };
    console.log(`pushed bench/${name} (${bytes / MiB} MiB layer) ${image.digest} with a signed attestation in ${f(performance.now() - t0)} ms`);
  }
  const workspace = mkdtempSync(join(work, 'ws-'));
  for (let run = 0; run < RUNS; run++) {
    for (const name of run % 2 === 0 ? ['small', 'large'] : ['large', 'small']) {
      proxy.reset();
      const result = await m.runAction('promote', { workspace, inputs: { image: `${proxy.host}/bench/${name}`, 'public-key': publicPem }, timeoutMs: 120_000 });
      if (result.exitCode !== 0 || result.outputs.digest !== images[name].digest)
        throw new Error(`promote of bench/${name} failed:\n${result.stdout.slice(-3000)}`);
      images[name].promote.push(result.durationMs);
      images[name].traffic = proxy.traffic();
      rmSync(dirname(result.runnerTemp), { recursive: true, force: true });

      // skopeo talks to the registry itself: through the counting proxy its 500 MB layer streams stalled.
      const s0 = performance.now();
      const copy = spawnSync(
        'skopeo',
        [
          'copy',
          '--quiet',
          '--src-tls-verify=false',
          '--dest-tls-verify=false',
          `docker://${registry.host}/bench/${name}:ci`,
          `docker://${registry.host}/bench/${name}-copy${run}:prod`,
        ],
        { encoding: 'utf8', timeout: 600_000 },
      );
      if (copy.status !== 0)
        throw new Error(`skopeo copy: exit ${copy.status} ${copy.signal ?? ''} ${copy.error?.message ?? ''} ${(copy.stderr ?? '').slice(-2000)}`);
      images[name].skopeo.push(performance.now() - s0);
    }
  }
  console.log(`\n${RUNS} promotions of each, alternating (dist/promote/index.js on the runner's Node, the whole process timed):`);
  for (const name of ['small', 'large']) {
    const i = images[name];
    const t = i.traffic;
    console.log(
      `  ${name.padEnd(5)} ${String(i.bytes / MiB).padStart(3)} MiB layer: promote median ${f(median(i.promote))} ms; through the proxy: ${t.requests} requests, manifests ${kb(t.bytes.manifests)}, blobs ${kb(t.bytes.blobs)} (image config + attestation bundle), other ${kb(t.bytes.other)}`,
    );
    console.log(
      `  ${''.padEnd(5)} ${''.padStart(3)}              skopeo copy (to a fresh repository, direct to the registry) median ${f(median(i.skopeo))} ms`,
    );
  }
  const ratio = median(images.large.promote) / median(images.small.promote);
  const layerBytes = images.large.traffic.bytes.blobs >= images.large.bytes / 2;
  const skopeoRatio = median(images.large.skopeo) / median(images.large.promote);
  console.log(`\nratio promote(500 MiB) / promote(5 MiB): ${ratio.toFixed(3)} (target <= 1.2): ${ratio <= 1.2 ? 'ok' : 'OVER'}`);
  console.log(
    `blob bytes of the 500 MiB promotion: ${kb(images.large.traffic.bytes.blobs)} (no layer byte: ${layerBytes ? 'NO' : 'ok'}); the small one: ${kb(images.small.traffic.bytes.blobs)}`,
  );
  console.log(
    `skopeo copy / promote, 500 MiB: ${skopeoRatio.toFixed(2)}x; skopeo copy / promote, 5 MiB: ${(median(images.small.skopeo) / median(images.small.promote)).toFixed(2)}x`,
  );
  process.exitCode = ratio <= 1.2 && !layerBytes ? 0 : 1;
} finally {
  await proxy.stop();
  await registry.stop();
  rmSync(work, { recursive: true, force: true });
}
