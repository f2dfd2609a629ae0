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
    if (!ENV_NAME.test(name))
      throw new ConfigurationError(
        `input "service-env" line ${JSON.stringify(line.slice(0, 60))} is not KEY=VALUE: give one variable per line, e.g. FAULTS_ENABLED=1`,
      );
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
      execute: (inputs, ctx, runtime) => {
        if (inputs.rules.length === 0) {
          throw new ConfigurationError(
            'input "rules" is required: the rule files whose alerts are drilled, as paths or globs relative to the repository root, e.g. "prometheus/rules/*.yml"',
          );
        }
        if (inputs.image !== '' && inputs['service-command'] !== '')
          throw new ConfigurationError('inputs "image" and "service-command" are exclusive: run the service from the built image or from a command, not both');
        if (inputs.image !== '' && !IMAGE_BY_DIGEST.test(inputs.image)) {
          throw new ConfigurationError(
            `input "image" must name the image by digest, registry/repository@sha256:<64 hex> (got ${JSON.stringify(inputs.image.slice(0, 120))}): the evidence records the digest that ran`,
          );
        }
        if (!ENV_NAME.test(inputs['port-env']))
          throw new ConfigurationError(`input "port-env" must be an environment variable name (got ${JSON.stringify(inputs['port-env'])})`);
        if (inputs['mirror-url'] !== '') checkMirrorUrl(inputs['mirror-url']);
        const roots = { workspace: ctx.workspace, others: [runtime.tempDir] };
        let service: ServiceSource = { kind: 'url' };
        if (inputs.image !== '') {
          // buildah's own storage (as the image gate takes it): a place to write, not a file the gate reads as input.
          const storageDir =
            inputs['storage-dir'] === ''
              ? join(runtime.tempDir, 'release-safety', 'buildah')
              : isAbsolute(inputs['storage-dir'])
                ? inputs['storage-dir']
                : resolve(ctx.workspace, inputs['storage-dir']);
          service = { kind: 'image', image: inputs.image, storageDir, tlsVerify: inputs['tls-verify'] };
        } else if (inputs['service-command'] !== '') {
          const argv = parseCommandInput(inputs['service-command'], 'service-command');
          if (argv.length === 0) throw new ConfigurationError('input "service-command" holds no command');
          service = { kind: 'command', argv };
        }
        const drillFile = inputs.drill === '' ? undefined : resolveFileInput('drill', inputs.drill, roots, 'drill file');
        const prometheusPath = inputs['prometheus-path'];
        const promPath =
          prometheusPath === '' || isCommandName(prometheusPath) || isAbsolute(prometheusPath) ? prometheusPath : resolve(ctx.workspace, prometheusPath);
        return runAlertsGate(
          {
            rules: inputs.rules,
            ...(drillFile ? { drillFile } : {}),
            service,
            serviceUrl: inputs['service-url'],
            serviceEnv: parseEnv(inputs['service-env']),
            portEnv: inputs['port-env'],
            metricsPath: pathInput('metrics-path', inputs['metrics-path']),
            readyPath: pathInput('ready-path', inputs['ready-path']),
            readyTimeoutMs: inputs['ready-timeout-seconds'] * 1000,
            externalMetrics: inputs['external-metrics'],
            prometheus: { path: promPath, version: inputs['prometheus-version'], mirrorUrl: inputs['mirror-url'], searchPath: env.PATH ?? '' },
            runbookThreshold: inputs['runbook-threshold'],
            repository: ctx.repository,
            serverUrl: ctx.serverUrl,
            headSha: ctx.headSha,
            timeoutMs: inputs['timeout-seconds'] * 1000,
          },
          runtime,
        );
      },
    },
    env,
  );
}
