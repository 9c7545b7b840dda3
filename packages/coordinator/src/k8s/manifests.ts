import { stringify } from 'yaml';
/**
 * Kubernetes objects for one Volley run (pure: options in, objects out).
 * The coordinator is a Job that runs the test and exits with the run's
 * exit code, so the Job's status is the verdict; a Service gives it a name;
 * the workers are an Indexed Job whose pods find the coordinator by that
 * name, retry until it answers, and exit 0 when the run is done. The
 * scenario comes from a ConfigMap, the token from a Secret. Nothing runs
 * privileged or as root.
 */
export interface RenderOptions {
  workers: number;
  image: string;
  scenarioFile: string;
  /** the scenario's text, for the ConfigMap (omit to leave the ConfigMap to kustomize) */
  scenarioText?: string;
  /** the system under test as the pods reach it; a k6 script with absolute URLs needs none */
  host?: string;
  /** load options passed to the coordinator, e.g. ['--users', '100', '--run-time', '5m'] */
  runArgs: string[];
  /** a token for the Secret (omit to leave the Secret to the user) */
  token?: string;
  namespace?: string;
}

export type K8sObject = Record<string, unknown> & { apiVersion: string; kind: string; metadata: { name: string } };

export const NAMES = {
  coordinator: 'volley-coordinator',
  workers: 'volley-workers',
  scenario: 'volley-scenario',
  token: 'volley-token',
} as const;
export const PORT = 7000;
const TOKEN_PATH = '/var/run/volley/token';

const labels = (component: string) => ({ 'app.kubernetes.io/name': 'volley', 'app.kubernetes.io/component': component });

const securityContext = {
  runAsNonRoot: true,
  runAsUser: 10001,
  runAsGroup: 10001,
  allowPrivilegeEscalation: false,
  privileged: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

// readable by the pod's group (fsGroup), not by all: the CLI warns of a world-readable token file
const tokenVolume = { name: 'token', secret: { secretName: NAMES.token, defaultMode: 0o440, items: [{ key: 'token', path: 'token' }] } };
const tokenMount = { name: 'token', mountPath: '/var/run/volley', readOnly: true };
const tmpVolume = { name: 'tmp', emptyDir: {} };
const tmpMount = { name: 'tmp', mountPath: '/tmp' };

export function renderManifests(o: RenderOptions): K8sObject[] {
  const meta = (name: string, component: string) => ({
    name,
    labels: labels(component),
    ...(o.namespace ? { namespace: o.namespace } : {}),
  });
  const scenarioName = o.scenarioFile.split('/').pop()!;
  const objects: K8sObject[] = [];
  if (o.token !== undefined) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(NAMES.token, 'coordinator'),
      type: 'Opaque',
      stringData: { token: o.token },
    });
  }
  if (o.scenarioText !== undefined) {
    objects.push({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(NAMES.scenario, 'coordinator'),
      data: { [scenarioName]: o.scenarioText },
    });
  }
  objects.push({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(NAMES.coordinator, 'coordinator'),
    spec: { selector: labels('coordinator'), ports: [{ name: 'volley', port: PORT, targetPort: PORT, protocol: 'TCP' }] },
  });
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(NAMES.coordinator, 'coordinator'),
    spec: {
      backoffLimit: 0, // a failed run is a verdict, not something to retry
      template: {
        metadata: { labels: labels('coordinator') },
        spec: {
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'coordinator',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                'coordinator',
                '--listen',
                `0.0.0.0:${PORT}`,
                '--token-file',
                TOKEN_PATH,
                '--run',
                `/scenario/${scenarioName}`,
                ...(o.host ? ['--host', o.host] : []),
                ...o.runArgs,
                '--expect-workers',
                '$(VOLLEY_EXPECT_WORKERS)',
                '--expect-workers-timeout',
                '10m',
                '--json',
                '/reports/summary.json',
                '--csv',
                '/reports/volley',
                '--html',
                '/reports/report.html',
                '--junit',
                '/reports/junit.xml',
                '--journal-dir',
                '/reports/journal',
              ],
              env: [
                { name: 'VOLLEY_EXPECT_WORKERS', value: String(o.workers) },
                { name: 'VOLLEY_LOG_LEVEL', value: 'info' },
              ],
              ports: [{ name: 'volley', containerPort: PORT, protocol: 'TCP' }],
              resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
              securityContext,
              volumeMounts: [
                tokenMount,
                { name: 'scenario', mountPath: '/scenario', readOnly: true },
                { name: 'reports', mountPath: '/reports' },
                tmpMount,
              ],
            },
          ],
          volumes: [tokenVolume, { name: 'scenario', configMap: { name: NAMES.scenario } }, { name: 'reports', emptyDir: {} }, tmpVolume],
        },
      },
    },
  });
  objects.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta(NAMES.workers, 'worker'),
    spec: {
      completionMode: 'Indexed',
      completions: o.workers,
      parallelism: o.workers,
      backoffLimit: o.workers * 3,
      template: {
        metadata: { labels: labels('worker') },
        spec: {
          // a worker that cannot reach the coordinator gives up after a minute and is restarted
          restartPolicy: 'OnFailure',
          securityContext: { runAsNonRoot: true, fsGroup: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'worker',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                'worker',
                '--coordinator',
                `ws://${NAMES.coordinator}:${PORT}`,
                '--token-file',
                TOKEN_PATH,
                '--name',
                'worker-$(JOB_COMPLETION_INDEX)',
              ],
              env: [{ name: 'VOLLEY_LOG_LEVEL', value: 'info' }],
              resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { cpu: '2', memory: '2Gi' } },
              securityContext,
              volumeMounts: [tokenMount, tmpMount],
            },
          ],
          volumes: [tokenVolume, tmpVolume],
        },
      },
    },
  });
  return objects;
}

/** The objects as one YAML stream. (A static import: esbuild's split chunks give a dynamic import() of a CommonJS package only its default.) */
export function manifestsYaml(objects: readonly object[]): string {
  return objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n');
}
