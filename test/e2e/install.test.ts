// Volley as users install a Node CLI: `npm pack`'s tarball, installed
// globally into an empty prefix, run from a directory outside this
// checkout; and `npx volley` inside it.
import { describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, stopAfterEach } from '../helpers.js';
import { args } from '../cli-args.js';

describe('the installed package', () => {
  const owned = stopAfterEach();

  it('npm pack + npm install -g gives a volley that runs the demo, a scenario and the web UI outside the checkout', async () => {
    const server = await owned.didServer();
    const dir = mkdtempSync(join(tmpdir(), 'volley-install-'));
    const packed = execFileSync(process.execPath, [join(ROOT, 'scripts/pack.mjs'), '--no-build', '--out', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    expect(packed).toMatch(/volley-\d+\.\d+\.\d+\.tgz$/);
    // one tarball: the bundle and what it ships, no workspace package
    const files = execFileSync('tar', ['-tzf', packed], { encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files).toContain('package/dist/volley.js');
    expect(files).toContain('package/dist/scenario-api.js');
    expect(files.filter((f) => /node_modules|packages\//.test(f))).toEqual([]);
    const prefix = join(dir, 'prefix');
    execFileSync('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed], { stdio: 'pipe' });
    expect(readdirSync(join(prefix, 'bin'))).toEqual(['volley']);

    // a user's directory, far from this checkout, with the installed volley first on the PATH
    const home = mkdtempSync(join(tmpdir(), 'volley-user-'));
    const env = { ...process.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, VOLLEY_LOG_LEVEL: 'warn' };
    // not spawnSync: the target answers from this process's event loop
    const volley = async (args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> => {
      const child = spawn('volley', args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      const [status] = (await once(child, 'exit')) as [number | null];
      clearTimeout(timer);
      return { status, stdout, stderr };
    };
    const demo = await volley(['demo', '-u', '4', '-r', '20', '-t', '2s']);
    expect(demo.status, demo.stderr).toBe(0);
    expect(demo.stdout).toMatch(/GET \/health\s+server\s+\d+\s+report\s+\d+\s+equal/);

    writeFileSync(
      join(home, 'mine.ts'),
      "import { defineScenario } from 'volley';\nexport default defineScenario({ users: [{ name: 'u', tasks: [{ run: async ({ http }) => { await http.get('/health', { name: 'health_check' }); } }] }] });\n",
    );
    const run = await volley(args`run mine.ts --host ${server.url} -u 3 -r 30 -t 2s --workers 2 --json out.json`);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Total requests: ${server.totals()['GET /health']}\\b`));
    // the web UI (Locust's), started and ended by itself, its HTML report with the shipped uPlot
    const before = server.totals()['GET /health']!;
    const ui = await volley(
      args`run -f mine.ts --host ${server.url} --workers 1 -P 0 -u 2 -r 20 -t 1s --autostart --autoquit 0 --html r.html`,
    );
    expect(ui.status, ui.stderr).toBe(0);
    expect(ui.stdout).toMatch(/web UI at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    expect(server.totals()['GET /health']).toBeGreaterThan(before);
    expect(ui.stdout).toMatch(/report: \S+r\.html/);
  });

  it('inside the checkout, npx volley runs the built CLI', () => {
    const res = spawnSync('npx', ['--no-install', 'volley', '--version'], { cwd: ROOT, encoding: 'utf8' });
    expect(res.status, res.stderr).toBe(0);
    expect(res.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
