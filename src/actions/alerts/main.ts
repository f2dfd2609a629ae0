import { isAbsolute, join, resolve } from 'node:path';
import { commonGateInputs, runGateAction } from '../../core/action.js';
import { ConfigurationError } from '../../core/errors.js';
import { booleanInput, integerInput, listInput, parseCommandInput, stringInput } from '../../core/inputs.js';
import { resolveFileInput } from '../../core/paths.js';
import { runAlertsGate, type ServiceSource } from '../../gates/alerts/index.js';
import { checkMirrorUrl } from '../../tools/installer.js';
import { isCommandName } from '../../tools/promtool.js';

/** Keys are the exact input names of actions/alerts/action.yml. */
export const inputs = {
  rules: listInput([]),
  drill: stringInput(''),
  image: stringInput(''),
  'service-command': stringInput(''),
  'service-url': stringInput('http://127.0.0.1:{port}'),
  'service-env': listInput([], /\n/),
  'port-env': stringInput('PORT'),
  'metrics-path': stringInput('/metrics'),
  'ready-path': stringInput('/health/ready'),
  'ready-timeout-seconds': integerInput(60, { min: 1, max: 600, unit: 'seconds' }),
  'external-metrics': listInput([]),
  'prometheus-path': stringInput(''),
  'prometheus-version': stringInput(''),
  'mirror-url': stringInput(''),
  'runbook-threshold': integerInput(100, { min: 0, max: 100, unit: 'percent' }),
  'storage-dir': stringInput(''),
  'tls-verify': booleanInput(true),
  'timeout-seconds': integerInput(900, { min: 30, max: 3600, unit: 'seconds' }),
  ...commonGateInputs,
};

const IMAGE_BY_DIGEST = /^[a-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function parseEnv(lines: readonly string[]): [string, string][] {
  return lines.map((line) => {
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq) : '';
    if (!ENV_NAME.test(name)) throw new ConfigurationError(`input "service-env" line ${JSON.stringify(line.slice(0, 60))} is not KEY=VALUE: give one variable per line, e.g. FAULTS_ENABLED=1`);
    return [name, line.slice(eq + 1)];
  });
}

function pathInput(name: string, value: string): string {
  if (!value.startsWith('/')) throw new ConfigurationError(`input "${name}" must be a URL path starting with "/" (got ${JSON.stringify(value)})`);
  return value;
}

export function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return runGateAction(
    {
      gate: 'alerts',
      shape: inputs,
      execute: (i, ctx, rt) => {
        if (i.rules.length === 0) {
          throw new ConfigurationError('input "rules" is required: the rule files whose alerts are drilled, as paths or globs relative to the repository root, e.g. "prometheus/rules/*.yml"');
        }
        if (i.image !== '' && i['service-command'] !== '') throw new ConfigurationError('inputs "image" and "service-command" are exclusive: run the service from the built image or from a command, not both');
        if (i.image !== '' && !IMAGE_BY_DIGEST.test(i.image)) {
          throw new ConfigurationError(`input "image" must name the image by digest, registry/repository@sha256:<64 hex> (got ${JSON.stringify(i.image.slice(0, 120))}): the evidence records the digest that ran`);
        }
        if (!ENV_NAME.test(i['port-env'])) throw new ConfigurationError(`input "port-env" must be an environment variable name (got ${JSON.stringify(i['port-env'])})`);
        if (i['mirror-url'] !== '') checkMirrorUrl(i['mirror-url']);
        const roots = { workspace: ctx.workspace, others: [rt.tempDir] };
        let service: ServiceSource = { kind: 'url' };
        if (i.image !== '') {
          // buildah's own storage (as the image gate takes it): a place to write, not a file the gate reads as input.
          const storageDir = i['storage-dir'] === '' ? join(rt.tempDir, 'release-safety', 'buildah') : isAbsolute(i['storage-dir']) ? i['storage-dir'] : resolve(ctx.workspace, i['storage-dir']);
          service = { kind: 'image', image: i.image, storageDir, tlsVerify: i['tls-verify'] };
        } else if (i['service-command'] !== '') {
          const argv = parseCommandInput(i['service-command'], 'service-command');
          if (argv.length === 0) throw new ConfigurationError('input "service-command" holds no command');
          service = { kind: 'command', argv };
        }
        const drillFile = i.drill === '' ? undefined : resolveFileInput('drill', i.drill, roots, 'drill file');
        const prometheusPath = i['prometheus-path'];
        const promPath = prometheusPath === '' || isCommandName(prometheusPath) || isAbsolute(prometheusPath) ? prometheusPath : resolve(ctx.workspace, prometheusPath);
        return runAlertsGate(
          {
            rules: i.rules,
            ...(drillFile ? { drillFile } : {}),
            service,
            serviceUrl: i['service-url'],
            serviceEnv: parseEnv(i['service-env']),
            portEnv: i['port-env'],
            metricsPath: pathInput('metrics-path', i['metrics-path']),
            readyPath: pathInput('ready-path', i['ready-path']),
            readyTimeoutMs: i['ready-timeout-seconds'] * 1000,
            externalMetrics: i['external-metrics'],
            prometheus: { path: promPath, version: i['prometheus-version'], mirrorUrl: i['mirror-url'], searchPath: env.PATH ?? '' },
            runbookThreshold: i['runbook-threshold'],
            repository: ctx.repository,
            serverUrl: ctx.serverUrl,
            headSha: ctx.headSha,
            timeoutMs: i['timeout-seconds'] * 1000,
          },
          rt,
        );
      },
    },
    env,
  );
}
