import { afterAll, describe, expect, it } from 'vitest';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { startDidServer, type DidServer } from 'volley/did-server';
import { ROOT, startCluster, stopProcess } from '../helpers.js';
import { haveChromium, launchChromium, pageFetchJson } from '../browser.js';

if (!haveChromium()) console.warn('dashboard test skipped: /usr/bin/chromium is missing (npm test installs it when run as root)');

describe.skipIf(!haveChromium())('the coordinator’s dashboard in headless Chromium', () => {
  let server: DidServer | undefined;
  let procs: Awaited<ReturnType<typeof startCluster>>['all'] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
    await server?.close();
  });

  it('starts a run from the page, shows the chart and table updating, stops it, offers the reports', async () => {
    server = await startDidServer();
    const c = await startCluster(['d1', 'd2'], undefined, ['--scenarios', join(ROOT, 'examples/did-api')]);
    procs = c.all;
    const base = `http://127.0.0.1:${c.port}`;
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      // no token, no dashboard: the page has nothing of its own, and the API refuses it without a session
      await page.goto(`${base}/`);
      await page.waitForSelector('#state[data-state="unauthorized"]');
      expect(await page.textContent('#state')).toMatch(/needs its token/);
      expect(await page.isHidden('#start-form')).toBe(true);
      await page.goto(`${base}/?token=cluster-token`);
      await page.waitForSelector('#start-form:not([hidden])');
      expect(page.url()).toBe(`${base}/`); // the token leaves the address bar; no cookie holds it
      expect(await page.context().cookies()).toEqual([]);
      await page.selectOption('#scenario', 'locustfile.ts');
      await page.fill('#users', '20');
      await page.fill('#spawn-rate', '20');
      await page.fill('#run-time', '60');
      await page.fill('#host', server.url);
      await page.click('#start');
      await page.waitForSelector('#state[data-state="running"]', { timeout: 20_000 });

      const count = async (): Promise<number> =>
        Number(
          await page
            .locator('#live-requests tr.total td[data-field="count"]')
            .textContent()
            .catch(() => '0'),
        );
      // evaluated in the page
      const totalAbove = (n: number): string =>
        `Number(document.querySelector('#live-requests tr.total td[data-field="count"]')?.textContent ?? 0) > ${n}`;
      await page.waitForFunction(totalAbove(0), null, { timeout: 20_000 });
      const first = await count();
      await page.waitForFunction(totalAbove(first), null, { timeout: 20_000 });
      expect(await count()).toBeGreaterThan(first);
      expect(await page.locator('#chart-live canvas').count()).toBeGreaterThan(0);
      // the report's tables, live: each worker with its share and health
      await page.waitForFunction(`document.querySelectorAll('#workers-table tbody tr').length === 2`, null, { timeout: 20_000 });
      expect(await page.$$eval('#workers-table tbody tr td:first-child', (tds) => tds.map((t) => t.textContent).sort())).toEqual([
        'd1',
        'd2',
      ]);
      await page.waitForFunction(`/%$/.test(document.querySelector('#workers-table tbody tr td:nth-child(5)')?.textContent ?? '')`, null, {
        timeout: 20_000,
      });
      expect(await page.$$eval('#sections h2', (hs) => hs.map((h) => h.textContent))).toEqual([
        'Thresholds',
        'Requests',
        'Workers',
        'Failures',
      ]);

      await page.click('#stop');
      await page.waitForSelector('#state[data-state="finished"]', { timeout: 60_000 });
      const links = await page.$$eval('#downloads a', (as) => as.map((a) => a.getAttribute('href')));
      expect(links).toHaveLength(3);
      const json = await pageFetchJson<{ metrics: { http_reqs: { values: { count: number } } } }>(
        page,
        links.find((l) => l!.endsWith('summary.json'))!,
      );
      expect(json.metrics.http_reqs.values.count).toBeGreaterThan(0);
      const total = Object.values(server.totals()).reduce((a, b) => a + b, 0);
      expect(json.metrics.http_reqs.values.count).toBe(total);
      await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'dashboard.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it("starts a k6 script's own stages when asked, the form's load set aside", async () => {
    const c = await startCluster(['k1'], undefined, ['--scenarios', join(ROOT, 'test/fixtures')]);
    procs.push(...c.all);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${c.port}/?token=cluster-token`);
      await page.waitForSelector('#start-form:not([hidden])');
      await page.selectOption('#scenario', 'k6-stages.ts');
      await page.fill('#users', '3');
      await page.fill('#host', server!.url);
      await page.check('#own-plan');
      expect(await page.isDisabled('#users')).toBe(true);
      await page.click('#start');
      await page.waitForSelector('#state[data-state="finished"]', { timeout: 60_000 });
      const href = await page.getAttribute('#downloads a[href$="summary.json"]', 'href');
      const json = await pageFetchJson<{ metrics: Record<string, { values: Record<string, number> }> }>(page, href!);
      // the script's stages: up to 10 users over 7 s, not the form's 3 for 60 s
      expect(json.metrics.vus_max!.values.max).toBe(10);
      expect(json.metrics.calls!.values.count).toBeGreaterThan(10);
      expect(await page.textContent('#state')).toMatch(/: finished · [78] s/);
    } finally {
      await browser.close();
    }
  });
});
