import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { startDidServer } from 'volley/did-server';
import { ROOT, volley } from '../helpers.js';
import { args } from '../cli-args.js';

type Obj = { apiVersion: string; kind: string; metadata: { name: string; labels?: Record<string, string> }; [k: string]: any };

const MODELS: Record<string, { model: new (o: any) => { validate(): void }; type: string; from: string }> = {
  Job: { model: Job, type: 'IJob', from: 'kubernetes-models/batch/v1/Job' },
  Service: { model: Service, type: 'IService', from: 'kubernetes-models/v1/Service' },
  ConfigMap: { model: ConfigMap, type: 'IConfigMap', from: 'kubernetes-models/v1/ConfigMap' },
  Secret: { model: Secret, type: 'ISecret', from: 'kubernetes-models/v1/Secret' },
};

const docs = (text: string): Obj[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter(Boolean);

/**
 * Unknown fields: the objects as typed literals, type-checked against
 * kubernetes-models' interfaces, whose excess-property checks reject any
 * field the API does not have. Returns tsc's complaints.
 */
async function unknownFields(objects: Obj[], label: string): Promise<string> {
  const dir = join(ROOT, 'test-artifacts', 'k8s-types');
  await mkdir(dir, { recursive: true });
  const kinds = [...new Set(objects.map((o) => o.kind))];
  const file = join(dir, `${label}.ts`);
  await writeFile(
    file,
    [
      ...kinds.map((k) => `import type { ${MODELS[k]!.type} } from '${MODELS[k]!.from}';`),
      ...objects.map((o, i) => `export const o${i}: ${MODELS[o.kind]!.type} = ${JSON.stringify(o, null, 1)};`),
    ].join('\n'),
  );
  const r = spawnSync(
    process.execPath,
    args`${join(ROOT, 'node_modules/typescript/bin/tsc')} --noEmit --strict --target es2022 --module esnext --moduleResolution bundler --skipLibCheck ${file}`,
    { cwd: ROOT, encoding: 'utf8' },
  );
  return r.status === 0 ? '' : r.stdout + r.stderr;
}

function checkInvariants(objects: Obj[], workers: number): void {
  for (const o of objects) {
    const m = MODELS[o.kind];
    expect(m, `kind ${o.kind}`).toBeDefined();
    expect(() => new m!.model(o).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
  }
  const jobs = objects.filter((o) => o.kind === 'Job');
  const coordinator = jobs.find((j) => j.metadata.name === 'volley-coordinator')!;
  const workerJob = jobs.find((j) => j.metadata.name === 'volley-workers')!;
  expect(workerJob.spec).toMatchObject({ completionMode: 'Indexed', parallelism: workers, completions: workers });
  const cc = coordinator.spec.template.spec.containers[0];
  expect(cc.env.find((e: any) => e.name === 'VOLLEY_EXPECT_WORKERS').value).toBe(String(workers));
  expect(cc.args).toContain('$(VOLLEY_EXPECT_WORKERS)');
  const pods = jobs.map((j) => j.spec.template.spec);
  expect(new Set(pods.flatMap((p) => p.containers.map((c: any) => c.image))).size).toBe(1);
  for (const p of pods) {
    expect(['Never', 'OnFailure']).toContain(p.restartPolicy);
    expect(p.volumes.find((v: any) => v.name === 'token').secret.secretName).toBe('volley-token');
    for (const c of p.containers) {
      expect(c.securityContext).toMatchObject({ privileged: false, allowPrivilegeEscalation: false, runAsNonRoot: true });
      expect(c.resources.requests && c.resources.limits).toBeTruthy();
      expect(c.args).toContain('/var/run/volley/token');
    }
  }
  expect(workerJob.spec.template.spec.containers[0].args).toEqual(
    expect.arrayContaining(['ws://volley-coordinator:7000', 'worker-$(JOB_COMPLETION_INDEX)']),
  );
  const service = objects.find((o) => o.kind === 'Service')!;
  for (const [k, v] of Object.entries(service.spec.selector)) expect(coordinator.spec.template.metadata.labels[k]).toBe(v);
  for (const [k, v] of Object.entries(service.spec.selector))
    expect(workerJob.spec.template.metadata.labels[k] === v && k === 'app.kubernetes.io/component').toBe(false);
  expect(service.spec.ports[0].targetPort).toBe(cc.ports[0].containerPort);
  const scenarioVolume = coordinator.spec.template.spec.volumes.find((v: any) => v.name === 'scenario');
  expect(objects.find((o) => o.kind === 'ConfigMap')?.metadata.name).toBe(scenarioVolume.configMap.name);
}

describe('Kubernetes manifests, validated offline', () => {
  it('volley k8s render: valid objects, no unknown fields, the invariants hold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'volley-k8s-'));
    const res = await volley(
      args`k8s render --workers 4 --scenario examples/did-api/locustfile.ts --host http://did-api:8000 --users 200 --run-time 5m --image registry.local/volley:test --out ${join(dir, 'all.yaml')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const objects = docs(await readFile(join(dir, 'all.yaml'), 'utf8'));
    expect(objects.map((o) => o.kind)).toEqual(['Secret', 'ConfigMap', 'Service', 'Job', 'Job']);
    checkInvariants(objects, 4);
    expect(objects[0]!.stringData.token).toMatch(/^[0-9a-f]{48}$/);
    expect(await unknownFields(objects, 'render')).toBe('');
  });

  it('the unknown-field check catches a misspelt field', async () => {
    const res = await volley(args`k8s render --workers 1 --scenario deploy/kubernetes/scenario.ts --host http://x:1 --kustomize-base`);
    const objects = docs(res.stdout);
    objects.find((o) => o.kind === 'Job')!.spec.paralelism = 2;
    expect(await unknownFields(objects, 'typo')).toMatch(/paralelism/);
  });

  it('deploy/kubernetes is a fresh render of its own header, and kubectl kustomize builds it (where kubectl is)', async () => {
    const committed = await readFile(join(ROOT, 'deploy/kubernetes/volley.yaml'), 'utf8');
    const header = committed
      .split('\n')
      .filter((l) => l.startsWith('#'))
      .join(' ');
    const args = /volley (k8s render .*?) \(a test/.exec(header.replace(/#\s*/g, ' ').replace(/\s+/g, ' '))![1]!.split(' ');
    const fresh = await volley(args);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(
      committed
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ).toBe(fresh.stdout);

    const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
    if (kubectl.status !== 0) {
      console.warn('kubectl is not installed: the kustomize build is not checked here');
      return;
    }
    const objects = docs(execFileSync('kubectl', ['kustomize', join(ROOT, 'deploy/kubernetes')], { encoding: 'utf8' }));
    expect(objects.map((o) => o.kind).sort()).toEqual(['ConfigMap', 'Job', 'Job', 'Service']);
    checkInvariants(objects, 3);
    expect(objects.find((o) => o.kind === 'ConfigMap')!.data['scenario.ts']).toMatch(/defineScenario/);
    expect(await unknownFields(objects, 'kustomize')).toBe('');
  });

  it('a k6 script goes as its self-contained bundle, with k6’s flags and --env, and needs no --host; the bundle runs as the pod runs it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'volley-k8s-k6-'));
    const res = await volley(
      args`k8s render --workers 3 --scenario test/fixtures/k6/api.js --vus 50 --duration 1m -e BASE_URL=http://target:8080 --out ${join(dir, 'k6.yaml')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const objects = docs(await readFile(join(dir, 'k6.yaml'), 'utf8'));
    checkInvariants(objects, 3);
    const podArgs: string[] = objects.find((o) => o.metadata.name === 'volley-coordinator' && o.kind === 'Job')!.spec.template.spec
      .containers[0].args;
    expect(podArgs).not.toContain('--host');
    expect(podArgs.join(' ')).toContain('--run /scenario/api.js --vus 50 --duration 1m --env BASE_URL=http://target:8080');
    const code: string = objects.find((o) => o.kind === 'ConfigMap')!.data['api.js'];
    // its local import and the files it opens travel inside
    expect(code.startsWith('export default { volley: "k6"')).toBe(true);
    expect(code).toContain('"./data/users.json"');
    // the pod's coordinator reads /scenario/api.js: the same file, run here (1 iteration against the sample server, which
    // answers most of its calls with 404: its checks may fail, the run itself must not)
    await mkdir(join(dir, 'scenario'));
    await writeFile(join(dir, 'scenario', 'api.js'), code);
    const did = await startDidServer();
    const run = await volley(
      args`run ${join(dir, 'scenario', 'api.js')} --workers 1 --vus 1 --iterations 1 -e BASE_URL=${did.url} --json ${join(dir, 'k6.json')}`,
    ).finally(() => did.close());
    expect([0, 99], run.stderr).toContain(run.code);
    const s = JSON.parse(await readFile(join(dir, 'k6.json'), 'utf8'));
    expect(s.metrics.iterations.values.count).toBe(1);
    expect(s.volley.checks.find((c: { name: string }) => c.name === 'module state is per VU')).toMatchObject({ passes: 1, fails: 0 });
  });

  it('without --host, a scenario that is no k6 script is refused', async () => {
    const res = await volley(['k8s', 'render', '--workers', '1', '--scenario', 'examples/did-api/locustfile.ts']);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--host is required/);
  });
});
