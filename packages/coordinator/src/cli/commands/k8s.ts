import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { parseDuration, VolleyError } from '@volley/shared';
import { command } from '../command.js';
import { k6Load, withK6LoadOptions, withLoadOptions } from '../run-options.js';
import { VERSION } from '../version.js';

const k8sRenderCommand = command(
  'render',
  'write the manifests (coordinator Job + Service, workers Indexed Job, scenario ConfigMap, token Secret) for a run',
  (r) =>
    withLoadOptions(withK6LoadOptions(r))
      .option('workers', { type: 'number', demandOption: true, describe: "worker pods (the Indexed Job's parallelism and completions)" })
      .option('scenario', { type: 'string', demandOption: true, describe: 'the scenario file (goes into the ConfigMap)' })
      .option('image', { type: 'string', default: `volley:${VERSION}`, describe: 'the image (deploy/Dockerfile)' })
      .option('namespace', { type: 'string' })
      .option('kustomize-base', {
        type: 'boolean',
        default: false,
        hidden: true,
        describe: 'leave out the ConfigMap and the Secret (deploy/kubernetes makes them)',
      })
      .option('out', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout' }),
  async (a) => {
    if (!Number.isInteger(a.workers) || a.workers < 1)
      throw new VolleyError('VOLLEY_BAD_OPTION', `--workers must be a whole number ≥ 1, got ${a.workers}`);
    let text: string;
    try {
      text = await readFile(a.scenario, 'utf8');
    } catch {
      throw new VolleyError('VOLLEY_BAD_OPTION', `--scenario ${a.scenario}: cannot read it`);
    }
    // a k6 script goes as its bundle: its local imports and open()'s files travel inside it
    const [{ bundleScenario }, { isK6Bundle }] = await Promise.all([import('../../bundle.js'), import('../../k6/k6-bundle.js')]);
    const bundle = await bundleScenario(a.scenario);
    const k6Script = isK6Bundle(bundle.code);
    if (k6Script) text = bundle.code;
    if (!a.host && !k6Script)
      throw new VolleyError('VOLLEY_BAD_OPTION', '--host is required: the base URL of the system under test, as the pods reach it');
    const k6 = k6Load(a);
    const runArgs: string[] = [];
    if (k6?.vus !== undefined && (k6.duration !== undefined || k6.iterations !== undefined)) runArgs.push('--vus', String(k6.vus));
    if (k6?.duration !== undefined) runArgs.push('--duration', k6.duration);
    if (k6?.iterations !== undefined) runArgs.push('--iterations', String(k6.iterations));
    for (const st of k6?.stages ?? []) runArgs.push('--stage', `${st.duration}:${st.target}`);
    for (const e of a.env) {
      if (!/^[^=]+=/.test(e)) throw new VolleyError('VOLLEY_BAD_OPTION', `--env ${e}: write KEY=VALUE`);
      runArgs.push('--env', e);
    }
    if (a.users !== undefined) runArgs.push('--users', String(a.users));
    if (a.spawnRate !== undefined) runArgs.push('--spawn-rate', String(a.spawnRate));
    if (a.runTime !== undefined) {
      parseDuration(a.runTime, '--run-time'); // refuse a bad one here, not in the pod
      runArgs.push('--run-time', a.runTime);
    }
    const { renderManifests, manifestsYaml } = await import('../../k8s/manifests.js');
    const objects = renderManifests({
      workers: a.workers,
      image: a.image,
      scenarioFile: a.scenario,
      host: a.host,
      runArgs,
      namespace: a.namespace,
      scenarioText: a.kustomizeBase ? undefined : text,
      token: a.kustomizeBase ? undefined : randomBytes(24).toString('hex'),
    });
    const yamlText = manifestsYaml(objects);
    if (a.out) await writeFile(a.out, yamlText);
    else process.stdout.write(yamlText);
    if (!a.kustomizeBase)
      process.stderr.write('volley: the Secret volley-token holds a new random token; keep it, or replace it with your own\n');
  },
);

export const k8sCommand = command(
  'k8s',
  'Kubernetes manifests for a run',
  (y) => y.command(k8sRenderCommand).demandCommand(1, 'name a k8s command: render'),
  async () => {
    // demandCommand: a sub-command runs instead
  },
);
