// `volley run -f FILE` without --headless, as `locust -f FILE` is: a web UI
// that starts runs of that file on local workers, until Ctrl-C.
import { afterAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { freePort, spawnVolley, stopAfterEach, stopProcess, volley, waitForOutput } from '../helpers.js';
import { haveChromium, launchChromium } from '../browser.js';
import { args } from '../cli-args.js';

const { track, didServer } = stopAfterEach();

/** The Aggregated row's request count in a Locust stats CSV. */
const aggregatedCount = (csv: string): number =>
  Number(
    csv
      .trim()
      .split('\n')
      .find((l) => l.includes(',Aggregated,'))!
      .split(',')[2],
  );

describe('the web UI of volley run -f', () => {
  it("--autostart runs at once and --autoquit ends the session with the run's verdict", async () => {
    const server = await didServer();
    const res = await volley(
      args`run -f test/fixtures/thresholds.ts --host ${server.url} --workers 2 -P 0 -u 4 -r 100 -t 2s --autostart --autoquit 0.5`,
    );
    expect(res.stdout).toMatch(/web UI at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+ \(2 local workers; Ctrl-C quits\)/);
    expect(res.stdout).toMatch(/✗ 'p\(95\)<0\.001'/);
    const requests = Number(/Total requests: (\d+)/.exec(res.stdout)?.[1]);
    expect(requests).toBe(server.totals()['GET /health']);
    expect(requests).toBeGreaterThan(0);
    expect(res.stderr).toMatch(/quitting in 0\.5 s \(--autoquit\)/);
    expect(res.code).toBe(99);
  });

  it("a run that follows its k6 scenarios' own plan is not scaled: refused as bad input, and the run goes on", async () => {
    const server = await didServer();
    const ui = spawnVolley(args`run -f test/fixtures/k6-stages.ts --host ${server.url} --workers 1 -P 0 --autostart --autoquit 0`);
    track(ui);
    const [, origin, token] = await waitForOutput(ui, /web UI at (http:\/\/[^/]+)\/\?token=(\S+)/, 30_000);
    const state = async (): Promise<string | undefined> =>
      (
        (await (await fetch(`${origin}/api/status`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
          run?: { state: string };
        }
      ).run?.state;
    await expect.poll(state, { timeout: 20_000 }).toBe('running');
    // a k6 script with its own stages, and no load on the command line: the form starts with its plan ticked
    const dashboard = (await (await fetch(`${origin}/api/dashboard`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      defaults: { ownPlan?: boolean };
    };
    expect(dashboard.defaults.ownPlan).toBe(true);
    const res = await volley(['scale', '--coordinator', origin!, '--token', token!, '--users', '50']);
    expect(res.stderr).toMatch(
      /coordinator answered 400: run \S+ follows its scenarios' own plan \(ramping-vus\); a run started with users and a spawn rate can be scaled/,
    );
    expect(res.code).toBe(2);
    const [code] = (await once(ui, 'exit')) as [number | null];
    expect(ui.output.stdout).toMatch(/vus_max\.+: 10 /);
    expect(code).toBe(0);
  });

  it('replaces a local worker that dies, so the next run has all K; a run given no duration lasts until stopped', async () => {
    const server = await didServer();
    const ui = spawnVolley(['run', '-f', 'test/fixtures/fast-did.ts', '--host', server.url, '--workers', '2', '-P', '0']);
    track(ui);
    const [, origin, token] = await waitForOutput(ui, /web UI at (http:\/\/[^/]+)\/\?token=(\S+)/, 30_000);
    const api = async (path: string, body?: object): Promise<{ workers: { id: string; connected: boolean }[]; run?: { state: string } }> =>
      (
        await fetch(`${origin}${path}`, {
          method: body ? 'POST' : 'GET',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: body && JSON.stringify(body),
        })
      ).json() as never;
    const connected = async (): Promise<string[]> =>
      (await api('/api/status')).workers
        .filter((w) => w.connected)
        .map((w) => w.id)
        .sort();
    await expect.poll(async () => (await connected()).length, { timeout: 20_000 }).toBe(2);
    const before = await connected();
    const [victim] = execFileSync('pgrep', ['-P', String(ui.pid), '-f', ' local-worker'])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
    process.kill(victim!, 'SIGKILL');
    // a new worker in its place: two connected again, one of them new
    await expect
      .poll(
        async () => {
          const now = await connected();
          return now.length === 2 && now.some((id) => !before.includes(id));
        },
        { timeout: 20_000 },
      )
      .toBe(true);
    // and, as Locust's form without a run time, a run until stopped
    const { id } = (await api('/api/runs/from-dashboard', {
      file: 'fast-did.ts',
      users: 4,
      spawnRate: 100,
      host: server.url,
    })) as unknown as { id: string };
    await expect.poll(async () => (await api('/api/status')).run?.state, { timeout: 20_000 }).toBe('running');
    await api('/api/runs/current/stop', {});
    await waitForOutput(ui, /^Total requests: \d+$/m, 30_000);
    expect((await api('/api/status')).run?.state).toBe('finished');
    const { summary } = (await api(`/api/runs/${id}`)) as unknown as { summary: { run: { runTimeMs: number; durationMs: number } } };
    expect(summary.run.runTimeMs).toBe(24 * 3_600_000);
    expect(summary.run.durationMs).toBeLessThan(60_000);
    ui.kill('SIGINT');
    const [code] = (await once(ui, 'exit')) as [number | null];
    expect(code).toBe(0);
  });

  it('a run whose reports cannot be written says so and sets the exit code; the session goes on to quit cleanly', async () => {
    const server = await didServer();
    const res = await volley(
      args`run -f test/fixtures/fast-did.ts --host ${server.url} --workers 1 -P 0 -u 2 -r 10 -t 1s --autostart --autoquit 0 --html /etc/hostname/report.html`,
    );
    expect(res.stderr).toMatch(/volley: the end of run run-\S+: .*\/etc\/hostname/);
    expect(res.stderr).toMatch(/quitting in 0 s \(--autoquit\)/);
    expect(res.stdout).toMatch(/journal: \S+\.jsonl/); // what the report would have held is kept
    expect(res.code).toBe(1);
  });

  it("a k6 script's handleSummary() runs in a child process, and what it returns is printed and written", async () => {
    const server = await didServer();
    const file = join(mkdtempSync(join(tmpdir(), 'volley-web-hs-')), 'from-handler.json');
    const res = await volley(
      args`run -f test/fixtures/k6-handle-summary.ts --host ${server.url} --workers 1 -P 0 --autostart --autoquit 0`,
      { SUMMARY_FILE: file },
    );
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/custom summary: 10 requests, p\(95\) [0-9.]+ ms/);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ requests: 10 });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses what would do nothing or cannot work, before listening', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const busy = (taken.address() as AddressInfo).port;
    const cases: [string[], RegExp][] = [
      [
        ['-f', 'test/fixtures/fast-did.ts', '-P', String(busy)],
        new RegExp(`cannot listen on 127\\.0\\.0\\.1:${busy}: the port is in use; choose another`),
      ],
      [
        ['test/fixtures/fast-did.ts', '--web-port', '9000'],
        /--web-port goes with the web UI, which opens as Locust's does: name the file with -f and leave out --headless/,
      ],
      [['-f', 'test/fixtures/fast-did.ts', '--headless', '--autostart'], /--autostart goes with the web UI/],
      [['-f', 'test/fixtures/fast-did.ts', '--autoquit', '3'], /--autoquit goes with --autostart/],
      [['-f', 'test/fixtures/fast-did.ts', '-P', '70000'], /--web-port must be a port number from 0 to 65535, got 70000/],
      [['-f', 'test/fixtures/no-such-file.ts', '-P', '0'], /no-such-file\.ts/],
    ];
    for (const [args, message] of cases) {
      const res = await volley(['run', ...args, '--host', 'http://127.0.0.1:1', '--workers', '1']);
      expect(res.stderr, args.join(' ')).toMatch(message);
      expect(res.stdout, args.join(' ')).not.toMatch(/web UI at/);
      expect(res.code, args.join(' ')).toBe(2);
    }
    taken.close();
  });
});

if (!haveChromium()) console.warn('web UI browser test skipped: /usr/bin/chromium is missing (npm test installs it when run as root)');

describe.skipIf(!haveChromium())('the web UI of volley run -f in headless Chromium', () => {
  let server: DidServer | undefined;
  afterAll(async () => server?.close());

  it("fills the form from the command line, runs twice from the page, prints each run's end, and quits on Ctrl-C", async () => {
    server = await startDidServer();
    const dir = mkdtempSync(join(tmpdir(), 'volley-web-ui-'));
    const port = await freePort();
    const ui = spawnVolley(
      args`run -f examples/did-api/locustfile.ts --host=${server.url} --workers 2 --web-port ${String(port)} -u 7 -r 7 -t 30s --csv ${join(dir, 'ui')}`,
    );
    track(ui);
    const [, url] = await waitForOutput(ui, /web UI at (http:\S+)/, 30_000);
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/\\?token=`));
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`http://127.0.0.1:${port}/`); // the address without its token opens nothing
      await page.waitForSelector('#state[data-state="unauthorized"]');
      await page.goto(url!);
      await page.waitForSelector('#start-form:not([hidden])');
      expect(await page.$$eval('#scenario option', (os) => os.map((o) => o.textContent))).toEqual(['locustfile.ts']);
      expect(await page.inputValue('#users')).toBe('7');
      expect(await page.inputValue('#spawn-rate')).toBe('7');
      expect(await page.inputValue('#run-time')).toBe('30');
      expect(await page.inputValue('#host')).toBe(server.url);
      expect(await page.isChecked('#own-plan')).toBe(false);

      // the first run: as filled in, stopped from the page
      await page.click('#start');
      await page.waitForSelector('#state[data-state="running"]', { timeout: 20_000 });
      await page.waitForFunction(
        `Number(document.querySelector('#live-requests tr.total td[data-field="count"]')?.textContent ?? 0) > 0`,
        null,
        { timeout: 20_000 },
      );
      expect(await page.textContent('#state')).toMatch(/2 workers/);
      await page.waitForFunction(`document.querySelector('#state').textContent.includes(' 7 users')`, null, { timeout: 20_000 });

      // Locust's edit of a running test: the page's users and spawn rate, from now on
      await page.fill('#users', '12');
      await page.fill('#spawn-rate', '50');
      await page.click('#scale');
      await page.waitForFunction(`document.querySelector('#state').textContent.includes(' 12 users')`, null, { timeout: 20_000 });
      await page.waitForFunction(`document.querySelector('#sections').textContent.includes('scaled — 7 → 12 users at 50/s')`, null, {
        timeout: 10_000,
      });
      // and k6's `scale` from another terminal, with the session's token
      const [, origin, token] = /^(http:\/\/[^/]+)\/\?token=(.+)$/.exec(url!)!;
      const scaled = await volley(['scale', '--coordinator', origin!, '--token', token!, '--vus', '4']);
      expect(scaled.stdout).toMatch(/scaling run-\S+ to 4 users/);
      expect(scaled.code).toBe(0);
      await page.waitForFunction(`document.querySelector('#state').textContent.includes(' 4 users')`, null, { timeout: 20_000 });
      expect(await page.textContent('#error')).toBe('');
      await page.click('#stop');
      await page.waitForSelector('#state[data-state="finished"]', { timeout: 60_000 });
      await waitForOutput(ui, /report: \S+ui_stats\.csv/, 20_000);
      const first = aggregatedCount(readFileSync(join(dir, 'ui_stats.csv'), 'utf8'));
      expect(first).toBe(Object.values(server.totals()).reduce((a, b) => a + b, 0));

      // a second run from the same page, with another load: its end is printed too, its reports replace the first's
      const firstRun = (await page.textContent('#state'))!.split(':')[0]!;
      await page.fill('#users', '3');
      await page.fill('#run-time', '2');
      await page.click('#start');
      // evaluated in the page: another run, finished
      const state = `document.querySelector('#state')`;
      await page.waitForFunction(
        `!${state}.textContent.startsWith(${JSON.stringify(firstRun)}) && ${state}.dataset.state === 'finished'`,
        null,
        { timeout: 30_000 },
      );
      await expect.poll(() => ui.output.stdout.match(/^Total requests: \d+$/gm)?.length ?? 0, { timeout: 20_000 }).toBe(2);
      const second = aggregatedCount(readFileSync(join(dir, 'ui_stats.csv'), 'utf8'));
      expect(second).toBeGreaterThan(0);
      expect(Number(await page.textContent('#live-requests tr.total td[data-field="count"]'))).toBe(second);
      expect(first + second).toBe(Object.values(server.totals()).reduce((a, b) => a + b, 0));
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    // nothing to scale between runs: refused, and said
    const [, origin, token] = /^(http:\/\/[^/]+)\/\?token=(.+)$/.exec(url!)!;
    const idle = await volley(['scale', '--coordinator', origin!, '--token', token!, '--users', '5']);
    expect(idle.stderr).toMatch(/coordinator answered 409: run \S+ is finished: only a running run can be scaled/);
    expect(idle.code).toBe(1);
    ui.kill('SIGINT');
    const [code] = (await once(ui, 'exit')) as [number | null];
    expect(code).toBe(0);
    await stopProcess(ui);
  });
});
