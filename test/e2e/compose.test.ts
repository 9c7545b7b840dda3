import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT, volley } from '../helpers.js';

/** deploy/compose.yaml, checked offline (the container test runs the same commands for real). */
describe('deploy/compose.yaml', () => {
  it('has the sample server, a one-run coordinator and scalable workers on one image, with the token as a secret', async () => {
    const c = parse(await readFile(join(ROOT, 'deploy/compose.yaml'), 'utf8'));
    expect(Object.keys(c.services).sort()).toEqual(['coordinator', 'did-api', 'worker']);
    expect(new Set(Object.values(c.services).map((s: any) => s.image)).size).toBe(1);
    const worker = c.services.worker;
    expect(worker.container_name).toBeUndefined(); // --scale needs unnamed containers
    expect(worker.command).toEqual(expect.arrayContaining(['worker', 'ws://coordinator:7000', '/run/secrets/volley_token']));
    const coord = c.services.coordinator.command as string[];
    expect(coord.slice(0, 1)).toEqual(['coordinator']);
    expect(coord).toEqual(expect.arrayContaining(['--run', '--expect-workers', '/run/secrets/volley_token', 'http://did-api:8000']));
    for (const s of [c.services.coordinator, worker]) expect(s.secrets).toEqual(['volley_token']);
    expect(c.secrets.volley_token.file).toBe('./token');
  });

  it('its coordinator command is one the CLI takes', async () => {
    const c = parse(await readFile(join(ROOT, 'deploy/compose.yaml'), 'utf8'));
    const args = (c.services.coordinator.command as string[]).map((a) => a.replace(/\$\{EXPECT_WORKERS:-3\}/, '3'));
    // options parsed, scenario loaded: the missing token file is what stops it
    const local = (a: string): string =>
      a === '/run/secrets/volley_token' ? '/nonexistent/token' : a === '/scenario/scenario.ts' ? 'deploy/kubernetes/scenario.ts' : a;
    const res = await volley(args.map(local), {}, 20_000);
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/--token-file \/nonexistent\/token: cannot read it/);
  });
});
