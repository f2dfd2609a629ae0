/**
 * Collect phase, part: one instance of the service under test, from a command or from the built
 * image (buildah, chroot isolation, host network, as the image gate's smoke test runs it), on a
 * port chosen at run time; ready when its readiness path answers 2xx; stopped whatever happens.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { ToolError } from '../../core/errors.js';
import { describeExit, execTool, lastLines } from '../../core/exec.js';
import { probeVersion } from '../../core/version.js';
import { httpGet } from './http.js';
import { freePort, startProcess, type RunningProcess } from './process.js';

export type ServiceSource =
  | { kind: 'command'; argv: string[] }
  | { kind: 'image'; image: string; storageDir: string; tlsVerify: boolean }
  /** Already running at service-url: the gate neither starts nor stops it. */
  | { kind: 'url' };

export interface ServiceSpec {
  source: ServiceSource;
  /** May hold {port}: replaced by the port the instance listens on. */
  urlTemplate: string;
  env: readonly [string, string][];
  portEnv: string;
  readyPath: string;
  readyTimeoutMs: number;
  cwd: string;
  baseEnv: NodeJS.ProcessEnv;
}

export interface ServiceInstance {
  url: string;
  port?: number;
  /** Every pid this instance started (for the record, and for tests that assert none is left). */
  pids(): number[];
  hasExited(): boolean;
  output(): string;
  stop(): Promise<void>;
}

function storageArgs(storageDir: string): string[] {
  return ['--root', `${storageDir}/root`, '--runroot', `${storageDir}/runroot`, '--storage-driver', 'vfs'];
}

/** Pulls the image by digest once (before any instance starts) and reads the command it runs. */
export async function prepareImage(
  source: Extract<ServiceSource, { kind: 'image' }>,
  timeoutMs: number,
): Promise<{ command: string[]; buildahVersion: string }> {
  mkdirSync(source.storageDir, { recursive: true });
  const tls = source.tlsVerify ? [] : ['--tls-verify=false'];
  const pull = await execTool('buildah', [...storageArgs(source.storageDir), 'pull', ...tls, '--quiet', `docker://${source.image}`], {
    timeoutMs,
    installHint: 'install buildah (apt-get install buildah) to run the image',
  });
  if (pull.exitCode !== 0 || pull.timedOut) throw new ToolError(`buildah pull ${source.image} ${describeExit(pull)}: ${lastLines(pull.stderr, 3)}`);
  // The whole inspect JSON: older buildah (Debian's 1.28) has no "json" template function.
  const inspect = await execTool('buildah', [...storageArgs(source.storageDir), 'inspect', '--type', 'image', source.image], { timeoutMs: 60_000 });
  if (inspect.exitCode !== 0) throw new ToolError(`buildah inspect ${source.image} ${describeExit(inspect)}: ${lastLines(inspect.stderr, 3)}`);
  type ImageConfig = { Entrypoint?: string[] | null; Cmd?: string[] | null };
  let config: ImageConfig;
  try {
    const data = JSON.parse(inspect.stdout) as { OCIv1?: { config?: ImageConfig }; Docker?: { config?: ImageConfig } };
    config = data.OCIv1?.config ?? data.Docker?.config ?? {};
  } catch {
    throw new ToolError(`buildah inspect ${source.image} printed no readable image config`);
  }
  const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (command.length === 0) throw new ToolError(`the image ${source.image} names no command (no Entrypoint or Cmd): the service cannot be started from it`);
  const version = await probeVersion({ command: 'buildah' });
  return { command, buildahVersion: version.result?.stdout.trim() ?? version.version };
}

async function waitReady(url: string, timeoutMs: number, exited: () => boolean, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (exited()) throw new ToolError(`the service exited before it became ready at ${url}: ${lastLines(output(), 8) || '(no output)'}`);
    try {
      const r = await httpGet(url, { timeoutMs: 2000 });
      if (r.status >= 200 && r.status < 300) return;
      last = `HTTP ${r.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new ToolError(
    `the service did not become ready at ${url} within ${Math.round(timeoutMs / 1000)} s (last: ${last}): ${lastLines(output(), 8) || '(no output)'}`,
  );
}

/** Starts one instance and waits until it is ready; on any failure it is stopped before the error is thrown. */
export async function startService(spec: ServiceSpec, imageCommand?: string[]): Promise<ServiceInstance> {
  if (spec.source.kind === 'url') {
    const url = spec.urlTemplate.replace(/\/+$/, '');
    await waitReady(
      `${url}${spec.readyPath}`,
      spec.readyTimeoutMs,
      () => false,
      () => '',
    );
    return { url, pids: () => [], hasExited: () => false, output: () => '', stop: async () => undefined };
  }
  const port = await freePort();
  const url = spec.urlTemplate.replaceAll('{port}', String(port)).replace(/\/+$/, '');
  const env: [string, string][] = [...spec.env, [spec.portEnv, String(port)]];
  let proc: RunningProcess;
  let cleanup = async (): Promise<void> => undefined;
  if (spec.source.kind === 'command') {
    proc = startProcess(spec.source.argv[0]!, spec.source.argv.slice(1), { cwd: spec.cwd, env: { ...spec.baseEnv, ...Object.fromEntries(env) } });
  } else {
    const storage = storageArgs(spec.source.storageDir);
    const name = `release-safety-alerts-${randomUUID().slice(0, 8)}`;
    const from = await execTool('buildah', [...storage, 'from', '--pull=false', '--name', name, spec.source.image], { timeoutMs: 120_000 });
    if (from.exitCode !== 0) throw new ToolError(`buildah from ${spec.source.image} ${describeExit(from)}: ${lastLines(from.stderr, 3)}`);
    cleanup = async () => {
      await execTool('buildah', [...storage, 'rm', name], { timeoutMs: 60_000 }).catch(() => undefined);
    };
    // chroot isolation shares the host's network: the service listens on 127.0.0.1:<port> here.
    const args = [...storage, 'run', '--isolation', 'chroot', ...env.flatMap(([k, v]) => ['--env', `${k}=${v}`]), name, '--', ...(imageCommand ?? [])];
    proc = startProcess('buildah', args, { cwd: spec.cwd, env: spec.baseEnv });
  }
  const pids = new Set<number>([proc.pid]);
  const instance: ServiceInstance = {
    url,
    port,
    pids: () => [...pids],
    hasExited: () => proc.hasExited(),
    output: () => proc.output(),
    stop: async () => {
      await proc.stop();
      await cleanup();
    },
  };
  try {
    await waitReady(
      `${url}${spec.readyPath}`,
      spec.readyTimeoutMs,
      () => proc.hasExited(),
      () => proc.output(),
    );
  } catch (error) {
    await instance.stop();
    throw error;
  }
  return instance;
}

/** The metrics page of a running instance, as text; anything but 200 with a body cannot be judged. */
export async function fetchMetricsPage(url: string): Promise<string> {
  let r: Awaited<ReturnType<typeof httpGet>>;
  try {
    r = await httpGet(url, { timeoutMs: 10_000, headers: { accept: 'text/plain;version=0.0.4' } });
  } catch (error) {
    throw new ToolError(`the metrics page ${url} could not be fetched: ${(error as Error).message}`);
  }
  if (r.status < 200 || r.status >= 300) throw new ToolError(`the metrics page ${url} answered HTTP ${r.status}`);
  return r.body;
}
