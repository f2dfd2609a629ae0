/**
 * The `undici` that @actions/http-client and @actions/github see in the bundles (tsconfig "paths",
 * which the bundler honours): the real undici, loaded on first use. Both packages import it at the
 * top for what only a request through a proxy (ProxyAgent) or an Octokit call (fetch) needs, and
 * evaluating undici (with the Node modules it pulls in: http2, web streams, zlib) was the largest
 * single part of every bundle's cold start. No option of either package defers it, hence this file.
 * The real module is reached by its file path, which the "paths" entry does not match.
 */
import { createRequire } from 'node:module';
import type * as Undici from 'undici/index.js';

let real: typeof Undici | undefined;
// In a bundle, `require` is the bundler's (undici is inside the bundle, and runs on this first call);
// unbundled (the unit tests), Node's.
const load = (): typeof Undici =>
  (real ??= (
    typeof require === 'function'
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('undici/index.js')
      : createRequire(import.meta.url)('undici/index.js')
  ) as typeof Undici);

/** new ProxyAgent(...) constructs the real one (a constructor may return another object). */
export class ProxyAgent {
  constructor(...args: ConstructorParameters<typeof Undici.ProxyAgent>) {
    return new (load().ProxyAgent)(...args);
  }
}

let agent: Undici.Agent | undefined;

/**
 * The real fetch, on the real undici's own connection pool when the caller names none. Without
 * one, undici's fetch takes the process's global dispatcher, which is Node's built-in undici (another
 * version, with other header rules) once Node's own fetch has run first: loaded late, this undici
 * no longer installs its own. A pinned agent keeps every call on the code that was tested.
 */
export const fetch: typeof Undici.fetch = (input, init) => {
  const undici = load();
  return undici.fetch(input, { ...init, dispatcher: init?.dispatcher ?? (agent ??= new undici.Agent()) });
};
