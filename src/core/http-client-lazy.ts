/**
 * The `@actions/http-client` that @actions/core, @actions/tool-cache and @actions/github see in the
 * bundles (tsconfig "paths", which the bundler honours): the real module, evaluated when the first
 * HttpClient is made. Each of the three imports it at the top, and evaluating it loads Node's http,
 * https, tls and net with the `tunnel` package: about 30 ms of every start, for what only a tool
 * download, an OIDC token or a proxied API call needs (the lint, test, audit and image gates never
 * do any). HttpClient, the one name any of them uses, is constructed synchronously, so the load is
 * a synchronous require of the module inside the bundle. No option of those packages defers it,
 * hence this file. The real module is reached by its file path, which the "paths" entry does not
 * match (its package exports only ".").
 */
import { createRequire } from 'node:module';
import type * as Real from '../../node_modules/@actions/http-client/lib/index.js';

let real: typeof Real | undefined;
// In a bundle, `require` is the bundler's (the module is inside the bundle, and runs on this first
// call); unbundled (the unit tests), Node's, which loads an ES module synchronously too.
const load = (): typeof Real =>
  (real ??= (
    typeof require === 'function'
      ? // eslint-disable-next-line @typescript-eslint/no-require-imports
        require('../../node_modules/@actions/http-client/lib/index.js')
      : createRequire(import.meta.url)('../../node_modules/@actions/http-client/lib/index.js')
  ) as typeof Real);

/** new HttpClient(...) constructs the real one (a constructor may return another object). */
export const HttpClient = class HttpClient {
  constructor(...args: ConstructorParameters<typeof Real.HttpClient>) {
    return new (load().HttpClient)(...args);
  }
} as unknown as typeof Real.HttpClient;
