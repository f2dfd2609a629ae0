/**
 * A self-signed P-256 certificate made by the real openssl, for the loopback servers the tests
 * start (the registry's token service, an https metrics page): valid one day, written into `dir`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export function selfSignedCertificate(dir: string, name: string, commonName: string): { keyPath: string; certPath: string } {
  const keyPath = join(dir, `${name}.key`);
  const certPath = join(dir, `${name}.crt`);
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyPath, '-out', certPath];
  execFileSync('openssl', [...args, '-days', '1', '-subj', `/CN=${commonName}`], { timeout: 30_000, stdio: 'ignore' });
  return { keyPath, certPath };
}
