/**
 * The `undici` that @actions/http-client and @actions/github see in the bundles (tsconfig "paths",
 * which the bundler honours): the real undici, loaded on first use with a dynamic import, so the
 * bundler puts it in a chunk of its own beside index.js that only a GitHub API call reads. Both
 * packages import it at the top for what only a request through a proxy (ProxyAgent) or an Octokit
 * call (fetch) needs; parsing and evaluating undici (with the Node modules it pulls in: http2, web
 * streams, zlib) was the largest single part of every bundle's cold start, and its 0.9 MB the
 * largest part of the bundles. No option of either package defers it, hence this file.
 * The real module is reached by its file path, which the "paths" entry does not match.
 */
import type * as Undici from 'undici/index.js';

let loading: Promise<typeof Undici> | undefined;
/** undici is CommonJS: the bundler's chunk and Node's import both give its exports as `default`. */
const load = (): Promise<typeof Undici> =>
  (loading ??= import('undici/index.js').then((mod) => ('default' in mod ? mod.default : mod) as unknown as typeof Undici));

type ProxyAgentOptions = ConstructorParameters<typeof Undici.ProxyAgent>[0];

/**
 * What @actions/http-client constructs for a configured proxy: the options, kept until the first
 * request through it (a constructor cannot wait for the import), then the real ProxyAgent, one per
 * instance as http-client expects. Its only reader is @actions/github, which hands it to `fetch`
 * below; nothing else takes it as a dispatcher.
 */
export class ProxyAgent {
  readonly #options: ProxyAgentOptions;
  #real: Promise<Undici.ProxyAgent> | undefined;
  constructor(options: ProxyAgentOptions) {
    this.#options = options;
  }
  /** The real agent, made on first use. */
  dispatcher(): Promise<Undici.ProxyAgent> {
    return (this.#real ??= load().then((undici) => new undici.ProxyAgent(this.#options)));
  }
}

let agent: Undici.Agent | undefined;

/**
 * The real fetch, on the real undici's own connection pool when the caller names none. Without
 * one, undici's fetch takes the process's global dispatcher, which is Node's built-in undici (another
 * version, with other header rules) once Node's own fetch has run first: loaded late, this undici
 * no longer installs its own. A pinned agent keeps every call on the code that was tested.
 */
export const fetch = async (
  input: Parameters<typeof Undici.fetch>[0],
  init?: Omit<Undici.RequestInit, 'dispatcher'> & { dispatcher?: Undici.Dispatcher | ProxyAgent },
): Promise<Undici.Response> => {
  const undici = await load();
  const given = init?.dispatcher;
  const dispatcher = given instanceof ProxyAgent ? await given.dispatcher() : (given ?? (agent ??= new undici.Agent()));
  return undici.fetch(input, { ...init, dispatcher });
};
