/**
 * A real CNCF distribution registry (Debian's docker-registry, 2.8) on 127.0.0.1, a free port
 * chosen at run time, temporary storage, optional htpasswd (bcrypt) auth. Reusable by any e2e test.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTokenService } from './token-service.js';

export interface RegistryUser {
  username: string;
  password: string;
}

export interface LocalRegistry {
  /** 127.0.0.1:<port>: the registry part of an image reference. */
  host: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  dir: string;
  user?: RegistryUser;
  /** Everything the registry printed, for failure messages. */
  log: () => string;
  stop: () => Promise<void>;
}

/** A port that was free a moment ago; the caller retries if the registry cannot bind it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A bcrypt hash for htpasswd, made by the system's libcrypt through python3's crypt module (no
 * npm package, no apache2-utils). Cost 4, the minimum, since these are throwaway test users.
 */
export function bcryptHash(password: string): string {
  const script =
    'import crypt,sys,warnings\nwarnings.simplefilter("ignore")\nprint(crypt.crypt(sys.stdin.read(), crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))';
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', script], { input: password, encoding: 'utf8', timeout: 10_000 });
    const hash = (r.stdout ?? '').trim();
    if (r.status === 0 && /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return hash;
  }
  throw new Error('cannot make a bcrypt hash: python3 with a crypt module that supports METHOD_BLOWFISH is needed');
}

/**
 * Waits until THIS registry answers: every response carries a header with a token unique to the
 * process, so another test's registry that grabbed the same port in the meantime is not mistaken
 * for it.
 */
const INSTANCE_HEADER = 'X-Release-Safety-Instance';

async function waitForRegistry(url: string, token: string, child: ChildProcess, log: () => string): Promise<void> {
  // Bounded: 100 tries, 100 ms apart, at most ~10 s (plus a 1 s timeout per try).
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited with code ${child.exitCode}: ${log().slice(-2000)}`);
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      if ((res.status === 200 || res.status === 401) && res.headers.get(INSTANCE_HEADER) === token) return;
      if (res.headers.get(INSTANCE_HEADER) !== token) throw new Error(`another server answers on ${url}`);
    } catch (error) {
      if ((error as Error).message.startsWith('another server')) throw error;
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer at ${url} within 10 s: ${log().slice(-2000)}`);
}

/**
 * `user` alone: htpasswd basic auth. `user` with `auth: 'token'`: the registry sends a bearer
 * challenge and accepts only JWTs from a token service started here, which checks the user's
 * basic credentials (src/local/token-service.ts).
 */
export async function startRegistry(opts: { user?: RegistryUser; auth?: 'htpasswd' | 'token' } = {}): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'rs-registry-'));
  const tokenService = opts.user && opts.auth === 'token' ? await startTokenService(dir, opts.user) : undefined;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const token = randomUUID();
    let auth = '';
    if (tokenService) auth = tokenService.registryConfig;
    else if (opts.user) {
      auth = `auth:\n  htpasswd:\n    realm: release-safety-test\n    path: ${join(dir, 'htpasswd')}\n`;
      writeFileSync(join(dir, 'htpasswd'), `${opts.user.username}:${bcryptHash(opts.user.password)}\n`);
    }
    const config = join(dir, 'config.yml');
    writeFileSync(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: warn',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'data')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        `  secret: rs-test-${port}`,
        '  headers:',
        `    ${INSTANCE_HEADER}: [${token}]`,
        auth,
      ].join('\n'),
    );
    let output = '';
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
    const spawnError = new Promise<never>((_, reject) => child.on('error', reject));
    const url = `http://127.0.0.1:${port}`;
    try {
      await Promise.race([waitForRegistry(url, token, child, () => output), spawnError]);
    } catch (error) {
      lastError = error;
      child.kill('SIGKILL');
      continue;
    }
    const stop = async () => {
      if (child.exitCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await tokenService?.stop();
      rmSync(dir, { recursive: true, force: true });
    };
    return { host: `127.0.0.1:${port}`, port, url, dir, ...(opts.user ? { user: opts.user } : {}), log: () => output, stop };
  }
  await tokenService?.stop();
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`could not start docker-registry after 5 attempts: ${String(lastError)}`);
}
