// A cheap net under the bundle: every command the built CLI lists answers
// --help, and each one is run for real somewhere in these tests (the
// commands run elsewhere are named; demo-target here).
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, spawnVolley, stopAfterEach, stopProcess, volley, waitForOutput } from '../helpers.js';

/** The commands a help text lists (`volley k8s render` → `k8s render`). */
function listed(help: string, prefix: string[]): string[][] {
  const out: string[][] = [];
  for (const m of help.matchAll(/^ {2}volley ((?:[\w-]+ )*[\w-]+)(?: [<[][^\s]+)*(?: {2,}|$)/gm)) {
    const words = m[1]!.split(' ');
    if (words.slice(0, prefix.length).join(' ') === prefix.join(' ') && words.length === prefix.length + 1) out.push(words);
  }
  return out;
}

describe('every command of the built CLI', () => {
  const owned = stopAfterEach();

  it('answers --help, with its usage and exit 0, subcommands too', async () => {
    const top = await volley(['--help']);
    expect(top.code).toBe(0);
    const commands = listed(top.stdout, []);
    expect(commands.map((c) => c[0])).toEqual([
      'run',
      'demo',
      'coordinator',
      'worker',
      'start',
      'status',
      'scale',
      'stop',
      'inspect',
      'report',
      'k8s',
      'demo-target',
    ]);
    const all = [...commands];
    for (const c of commands) {
      const res = await volley([...c, '--help']);
      expect(res.code, `${c.join(' ')} --help: ${res.stderr}`).toBe(0);
      expect(res.stdout, c.join(' ')).toMatch(new RegExp(`^volley ${c.join(' ')}\\b`, 'm'));
      all.push(...listed(res.stdout, c));
    }
    expect(all.map((c) => c.join(' '))).toContain('k8s render');
    // each is run for real by some end-to-end test (through the same bundle)
    const sources = readdirSync(join(ROOT, 'test/e2e'))
      .map((f) => readFileSync(join(ROOT, 'test/e2e', f), 'utf8'))
      .join('\n');
    for (const c of all.filter((c) => c.join(' ') !== 'k8s')) {
      expect(sources, `no test runs volley ${c.join(' ')}`).toMatch(new RegExp(`\\[\\s*'${c.join("', '")}'`));
    }
  });

  it('demo-target serves the sample server until stopped', async () => {
    const port = await freePort();
    const target = spawnVolley(['demo-target', '--port', String(port)]);
    owned.track(target);
    await waitForOutput(target, /DID sample server on http:\/\/\S+/);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    await stopProcess(target);
    expect(target.exitCode).toBe(0);
  });
});
