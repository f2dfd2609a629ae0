/**
 * A registry token service (the docker token auth flow) for the CNCF registry in tests: GET
 * /token with basic credentials and scope parameters answers a JWT signed with ES256 by a
 * throwaway key whose self-signed certificate the registry trusts (`auth.token.rootcertbundle`).
 * Wrong credentials get 401. No npm package: node:crypto signs, openssl makes the certificate.
 */
import { createPrivateKey, randomUUID, sign, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { selfSignedCertificate } from './certificate.js';

export interface TokenService {
  realm: string;
  /** The `auth:` block of the registry's config.yml. */
  registryConfig: string;
  /** Token requests answered, with and without a token. */
  requests: () => { granted: number; refused: number };
  stop: () => Promise<void>;
}

const SERVICE = 'release-safety-test';
const ISSUER = 'release-safety-test-issuer';

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

function equalSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** repository:<name>:<actions> scopes, as the registry's challenge and the client ask for them. */
function accessOf(scopes: string[]): { type: string; name: string; actions: string[] }[] {
  return scopes.flatMap((scope) => {
    const m = /^(repository|registry):([^:]+(?::\d+\/[^:]+)?):([\w,*]+)$/.exec(scope);
    return m ? [{ type: m[1]!, name: m[2]!, actions: m[3]!.split(',') }] : [];
  });
}

export async function startTokenService(dir: string, user: { username: string; password: string }): Promise<TokenService> {
  const { keyPath, certPath } = selfSignedCertificate(dir, 'token', 'release-safety-test-token');
  const key = createPrivateKey(readFileSync(keyPath));
  const certDer = Buffer.from(
    readFileSync(certPath, 'utf8')
      .replace(/-----[^-]+-----/g, '')
      .replace(/\s+/g, ''),
    'base64',
  );
  const counts = { granted: 0, refused: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const good = colon > 0 && equalSecret(decoded.slice(0, colon), user.username) && equalSecret(decoded.slice(colon + 1), user.password);
    if (url.pathname !== '/token' || !good) {
      counts.refused++;
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ details: 'incorrect username or password' }));
      return;
    }
    counts.granted++;
    const now = Math.floor(Date.now() / 1000);
    const header = { typ: 'JWT', alg: 'ES256', x5c: [certDer.toString('base64')] };
    const claims = {
      iss: ISSUER,
      sub: user.username,
      aud: url.searchParams.get('service') ?? SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomUUID(),
      access: accessOf(url.searchParams.getAll('scope')),
    };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key, dsaEncoding: 'ieee-p1363' });
    const token = `${signingInput}.${b64url(signature)}`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const realm = `http://127.0.0.1:${port}/token`;
  return {
    realm,
    registryConfig: `auth:\n  token:\n    realm: ${realm}\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${certPath}\n`,
    requests: () => ({ ...counts }),
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
