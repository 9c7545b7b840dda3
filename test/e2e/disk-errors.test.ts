// The journal's disk fills up or cannot be written: the run stops cleanly
// (or never starts), says why, and the coordinator stays up for the next.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnVolley, stopAfterEach, volley, waitForOutput, waitForStatus } from '../helpers.js';
import { args } from '../cli-args.js';

const mounts: string[] = [];
/** A small tmpfs of our own at `dir` (`ro`: read-only). */
function mountTmpfs(dir: string, sizeKb: number, ro = false): void {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k${ro ? ',ro' : ''}`, 'tmpfs', dir]);
  mounts.push(dir);
}

describe.skipIf(process.getuid?.() !== 0)('disk errors (as root: small tmpfs mounts)', () => {
  const owned = stopAfterEach();
  afterEach(() => {
    for (const m of mounts.splice(0)) execFileSync('umount', ['-l', m]);
  });

  async function coordinatorWithJournalIn(journalDir: string) {
    const dir = await mkdtemp(join(tmpdir(), 'volley-disk-'));
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'disk-token', { mode: 0o600 });
    const port = await freePort();
    const coordinator = spawnVolley(args`coordinator --listen 127.0.0.1:${port} --token-file ${tokenFile} --journal-dir ${journalDir}`);
    owned.track(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    owned.track(
      spawnVolley(['worker', '--coordinator', `ws://127.0.0.1:${port}`, '--token-file', tokenFile, '--name', 'w', '--cores', '1']),
    );
    const api = ['--coordinator', `http://127.0.0.1:${port}`, '--token-file', tokenFile];
    await waitForStatus(api, /workers: 1 connected/);
    return { dir, api, coordinator };
  }

  it('a journal directory that cannot be written fails the run before any traffic, saying so', async () => {
    const server = await owned.didServer();
    const ro = join(await mkdtemp(join(tmpdir(), 'volley-ro-')), 'journal');
    mountTmpfs(ro, 64, true);
    const { api, coordinator } = await coordinatorWithJournalIn(ro);
    const res = await volley(args`start test/fixtures/fast-did.ts ${api} --users 2 --spawn-rate 10 --run-time 2s --host ${server.url}`);
    expect(res.stderr).toMatch(
      /cannot write the run's journal \S+\/journal\/run-\S+\.jsonl: EROFS \(check --journal-dir\); no traffic was sent/,
    );
    expect(res.code).toBe(1);
    expect(server.totals()).toEqual({});
    expect(coordinator.exitCode).toBeNull();
  });

  it('a journal whose disk fills mid-run stops the run, whose reports hold what was merged; the coordinator goes on', async () => {
    const server = await owned.didServer();
    const full = join(await mkdtemp(join(tmpdir(), 'volley-full-')), 'journal');
    mountTmpfs(full, 64);
    writeFileSync(join(full, 'filler'), Buffer.alloc(36 * 1024)); // what is left: a few seconds of this run's journal
    const { dir, api, coordinator } = await coordinatorWithJournalIn(full);
    const res = await volley(
      args`start test/fixtures/fast-did.ts ${api} --users 20 --spawn-rate 200 --run-time 60s --host ${server.url} --json ${join(dir, 's.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(
      /note: the journal \S+ could not be written \(ENOSPC\): the run was stopped; the reports hold what was merged until then/,
    );
    const s = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')).volley;
    expect(s.run.durationMs).toBeLessThan(30_000);
    expect(s.total.count).toBeGreaterThan(0);
    expect(s.run.events).toContainEqual(expect.objectContaining({ kind: 'journal-failed' }));
    // what was merged is what the target answered: the run stopped, it did not lose data
    expect(s.total.count).toBe(Object.values(server.totals()).reduce((a, b) => a + b, 0));
    expect(coordinator.exitCode).toBeNull();
    expect(coordinator.output.stderr).not.toMatch(/uncaught|unhandled/i);
    const status = await volley(['status', ...api]);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/workers: 1 connected/);
  });
});
