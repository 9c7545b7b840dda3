import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { ROOT } from '../helpers.js';
import { args } from '../cli-args.js';

/**
 * Coordinator, two workers and the sample server as containers of the
 * image deploy/Dockerfile makes, on one container network. The workers get
 * what a pod of the Indexed Job gets: JOB_COMPLETION_INDEX, the
 * coordinator's Service name (a network alias), the token from a file.
 * Run by scripts/test.sh inside dockerd's network namespace (DOCKER_HOST set).
 */
const IMAGE = process.env.VOLLEY_IMAGE ?? 'volley:test';
const docker = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8' }).trim();

describe.skipIf(!process.env.DOCKER_HOST)('Volley in containers', () => {
  let network: StartedNetwork | undefined;
  const started: StartedTestContainer[] = [];
  afterAll(async () => {
    for (const c of started) await c.stop({ remove: true }).catch(() => undefined);
    await network?.stop().catch(() => undefined);
  });

  it('holds the volley CLI: --version', async () => {
    const c = await new GenericContainer(IMAGE).withCommand(['--version']).withWaitStrategy(Wait.forOneShotStartup()).start();
    started.push(c);
    expect(docker('logs', c.getId())).toBe('0.1.0');
    expect(docker('inspect', '-f', '{{.Config.User}}', IMAGE)).toBe('10001:10001');
  });

  it('runs across containers; the coordinator exits with the run’s code and its report equals the server’s counts', async () => {
    network = await new Network().start();
    const token = 'container-token';
    const did = await new GenericContainer(IMAGE)
      .withNetwork(network)
      .withNetworkAliases('did-api')
      .withCommand(['demo-target', '--host', '0.0.0.0', '--port', '8000'])
      .withExposedPorts(8000)
      .withWaitStrategy(Wait.forLogMessage(/DID sample server/))
      .start();
    started.push(did);
    const scenario = await readFile(join(ROOT, 'deploy/kubernetes/scenario.ts'), 'utf8');
    const coordinator = await new GenericContainer(IMAGE)
      .withNetwork(network)
      .withNetworkAliases('volley-coordinator')
      .withCopyContentToContainer([
        { content: token, target: '/var/run/volley/token' },
        { content: scenario, target: '/scenario/scenario.ts' },
      ])
      .withCommand(
        args`coordinator --listen 0.0.0.0:7000 --token-file /var/run/volley/token --run /scenario/scenario.ts --host http://did-api:8000 --users 20 --spawn-rate 20 --run-time 5s --expect-workers 2 --json /tmp/summary.json --journal-dir /tmp/journal`,
      )
      .withWaitStrategy(Wait.forLogMessage(/coordinator listening/))
      .start();
    started.push(coordinator);
    for (const index of [0, 1]) {
      started.push(
        await new GenericContainer(IMAGE)
          .withNetwork(network)
          .withEnvironment({ JOB_COMPLETION_INDEX: String(index), VOLLEY_LOG_LEVEL: 'info' })
          .withCopyContentToContainer([{ content: token, target: '/var/run/volley/token' }])
          .withCommand(['worker', '--coordinator', 'ws://volley-coordinator:7000', '--token-file', '/var/run/volley/token'])
          .withWaitStrategy(Wait.forLogMessage(/connected/))
          .start(),
      );
    }
    // the coordinator container exits when the run is done
    let state = '';
    for (let i = 0; i < 120 && !state.startsWith('false'); i++) {
      state = docker('inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', coordinator.getId());
      if (!state.startsWith('false')) await new Promise((r) => setTimeout(r, 500));
    }
    expect(state).toBe('false 0');
    const logs = docker('logs', coordinator.getId());
    const summary = JSON.parse(/^VOLLEY_SUMMARY_JSON (.*)$/m.exec(logs)![1]!);
    expect(summary.volley.run.workers.map((w: any) => w.name).sort()).toEqual(['worker-0', 'worker-1']);
    const counts = (await (await fetch(`http://${did.getHost()}:${did.getMappedPort(8000)}/_counts`)).json()) as Record<
      string,
      Record<string, number>
    >;
    const server = Object.fromEntries(Object.entries(counts).map(([route, s]) => [route, Object.values(s).reduce((a, b) => a + b, 0)]));
    const route: Record<string, string> = { health_check: 'GET /health', verify_biometric: 'POST /api/v1/did/verify' };
    expect(Object.fromEntries(summary.volley.requests.map((r: any) => [route[r.name], r.count]))).toEqual(server);
    expect(summary.volley.total.count).toBeGreaterThan(20);
    // the workers heard the end and exited 0, as the Job's pods should
    for (const w of started.slice(-2)) {
      let ws = '';
      for (let i = 0; i < 20 && !ws.startsWith('false'); i++) {
        ws = docker('inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', w.getId());
        if (!ws.startsWith('false')) await new Promise((r) => setTimeout(r, 500));
      }
      expect(ws).toBe('false 0');
    }
  });
});
