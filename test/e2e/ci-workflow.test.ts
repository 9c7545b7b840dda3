import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startDidServer, type DidServer } from 'volley/did-server';
import { ROOT, volley } from '../helpers.js';

/** The example CI workflow: its shape, and its load step's exact command, run here small. */
describe('examples/ci/load-test.yml', () => {
  let server: DidServer;
  let workflow: any;
  beforeAll(async () => {
    server = await startDidServer();
    workflow = parse(await readFile(join(ROOT, 'examples/ci/load-test.yml'), 'utf8'));
  });
  afterAll(() => server.close());

  it('takes users and duration, and uploads reports/', () => {
    expect(Object.keys(workflow.on.workflow_dispatch.inputs)).toEqual(['users', 'duration']);
    const upload = workflow.jobs['load-test'].steps.find((s: any) => String(s.uses).startsWith('actions/upload-artifact'));
    expect(upload.with.path).toBe('reports/');
  });

  it('its load step runs as written (inputs small, reports into a temporary directory)', async () => {
    const step = workflow.jobs['load-test'].steps.find((s: any) => s.name === 'Run load test');
    const dir = await mkdtemp(join(tmpdir(), 'volley-ci-'));
    const command = String(step.run)
      .replace(/\$\{\{ github\.event\.inputs\.users \}\}/, '10')
      .replace(/\$\{\{ github\.event\.inputs\.duration \}\}/, '3s')
      .replace('http://localhost:8000', server.url)
      .replaceAll('reports/', `${dir}/`);
    const args = command.split(/\s+/).filter(Boolean);
    expect(args.slice(0, 3)).toEqual(['npx', 'volley', 'run']);
    const res = await volley(args.slice(2));
    expect(res.code, res.stderr).toBe(0);
    expect((await readdir(dir)).sort()).toEqual([
      'junit.xml',
      'load-test-report.html',
      'load-test_failures.csv',
      'load-test_stats.csv',
      'load-test_stats_history.csv',
      'summary.json',
    ]);
  });
});
