/** `release-safety verify`: filled in by the attestation library (src/attest/verify.ts). */
import { ConfigurationError } from '../core/errors.js';

export async function verifyCommand(_args: string[]): Promise<number> {
  throw new ConfigurationError('verify is not available in this build');
}
