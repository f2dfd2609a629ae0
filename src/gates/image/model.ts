/** The image gate's shared shapes: what a build produced, how long each phase took, and why it stopped. */
import { errorMessage } from '../../core/errors.js';
import { RegistryError } from '../../registry/client.js';
import type { GateStatus } from '../../core/evidence.js';
import type { ImageFacts } from '../../registry/inspect.js';

/** A step that stopped the gate: its status, one-line reason and the log tail worth showing. */
export class Stop extends Error {
  constructor(
    readonly status: GateStatus,
    message: string,
    readonly logTail = '',
  ) {
    super(message);
  }
}

export interface BuiltImage {
  digest: string;
  mediaType: string;
  facts: ImageFacts;
  pushed: boolean;
  verifiedBy: string;
}

export interface Timings {
  buildMs: number;
  smokeMs: number;
  pushMs: number;
  verifyMs: number;
}

/** What a failed registry call means for the gate: every one of them is "could not judge". */
export function registryStop(error: unknown, doing: string): Stop {
  if (error instanceof RegistryError) return new Stop('error', `${doing}: ${error.message}`);
  return new Stop('error', `${doing}: ${errorMessage(error)}`);
}
