// Another local user can neither plant code that a worker runs nor read
// what a run wrote.
import { describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countsFromSummary, freePort, spawnVolley, stopAfterEach, stopProcess, volley, waitForOutput, waitForStatus } from '../helpers.js';
import { args } from '../cli-args.js';

const NOBODY = 65534;
const mode = (path: string): number => statSync(path).mode & 0o777;

describe.skipIf(process.getuid?.() !== 0)('local files (as root, with a directory made by another uid)', () => {
  const owned = stopAfterEach();

  it('a worker does not use a directory another user made for it; reports, journals and its files are private', async () => {
    const server = await owned.didServer();
    const dir = await mkdtemp(join(tmpdir(), 'volley-files-'));
    const tmp = join(dir, 'tmp');
    mkdirSync(tmp, { mode: 0o1777 }); // as /tmp is
    const port = await freePort();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'files-token', { mode: 0o644 });
    const coordinator = spawnVolley(
      args`coordinator --listen 127.0.0.1:${port} --token-file ${tokenFile} --journal-dir ${join(dir, 'journal')}`,
    );
    owned.track(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    // a token file others can read is said
    expect(coordinator.output.stderr).toMatch(/warning: --token-file \S+token can be read by other users \(mode 644\); chmod 600 it/);

    // another user makes the directory of the bin's code cache, which V8 would run as it is (closed to
    // others but its owner: only the owner check refuses it, and root may write anywhere)
    const plantedCache = join(tmp, 'volley-code-cache-0');
    mkdirSync(plantedCache, { mode: 0o755 });
    chownSync(plantedCache, NOBODY, NOBODY);
    const worker = spawnVolley(['worker', '--coordinator', `ws://127.0.0.1:${port}`, '--token-file', tokenFile, '--name', 'w'], {
      TMPDIR: tmp,
      NODE_DEBUG: 'volley',
    });
    owned.track(worker);
    // another user makes the directory the worker used to write its scenario modules in, open to all
    const planted = join(tmp, `volley-worker-${worker.pid}`);
    mkdirSync(planted, { mode: 0o777 });
    chownSync(planted, NOBODY, NOBODY);
    const touched: string[] = [];
    const watcher = watch(planted, (_event, name) => touched.push(String(name)));
    const api = ['--coordinator', `http://127.0.0.1:${port}`, '--token-file', tokenFile];
    await waitForStatus(api, /workers: 1 connected/);

    const res = await volley(
      args`start test/fixtures/fast-did.ts ${api} --users 4 --spawn-rate 100 --run-time 2s --host ${server.url} --json ${join(dir, 'reports', 's.json')} --html ${join(dir, 'reports', 'r.html')}`,
    );
    watcher.close();
    expect(res.code, res.stderr).toBe(0);
    expect(touched).toEqual([]);
    expect(readdirSync(planted)).toEqual([]);
    // its own directory: a name no one could guess, 0700, its own
    const mine = readdirSync(tmp).filter((n) => n.startsWith('volley-') && ![planted, plantedCache].includes(join(tmp, n)));
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatch(/^volley-\w{6}$/);
    expect(mode(join(tmp, mine[0]!))).toBe(0o700);
    expect(statSync(join(tmp, mine[0]!)).uid).toBe(0);

    // what the run wrote is the user's alone
    for (const f of ['reports/s.json', 'reports/r.html']) expect(mode(join(dir, f)), f).toBe(0o600);
    expect(mode(join(dir, 'reports'))).toBe(0o700);
    const journals = readdirSync(join(dir, 'journal'));
    expect(journals).toHaveLength(1);
    expect(mode(join(dir, 'journal', journals[0]!))).toBe(0o600);
    expect(mode(join(dir, 'journal'))).toBe(0o700);
    const { readFile } = await import('node:fs/promises');
    expect(countsFromSummary(JSON.parse(await readFile(join(dir, 'reports', 's.json'), 'utf8')))).toEqual(server.totals());

    // and its directory goes with it; it neither read nor wrote a code cache in the planted directory
    await stopProcess(worker);
    expect(readdirSync(tmp).filter((n) => n.startsWith('volley-') && ![planted, plantedCache].includes(join(tmp, n)))).toEqual([]);
    expect(worker.output.stderr).toMatch(/code cache for worker: off/);
    expect(readdirSync(plantedCache)).toEqual([]);
  });
});
