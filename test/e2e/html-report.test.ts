import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startDidServer, type DidServer } from 'volley/did-server';
import { ROOT, volley } from '../helpers.js';
import { haveChromium, launchChromium } from '../browser.js';
import { args } from '../cli-args.js';

if (!haveChromium()) console.warn('HTML report test skipped: /usr/bin/chromium is missing (npm test installs it when run as root)');

describe.skipIf(!haveChromium())('the HTML report in headless Chromium, network off', () => {
  let server: DidServer;
  let dir: string;
  beforeAll(async () => {
    server = await startDidServer();
    dir = await mkdtemp(join(tmpdir(), 'volley-html-'));
  });
  afterAll(() => server.close());

  it('opens with no console errors, draws its charts, and shows the JSON summary’s numbers', async () => {
    const res = await volley(
      args`run examples/did-api/locustfile.ts --workers 2 --users 30 --spawn-rate 30 --run-time 4s --host ${server.url} --json ${join(dir, 's.json')} --html ${join(dir, 'report.html')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const summary = JSON.parse(await readFile(join(dir, 's.json'), 'utf8')).volley;

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ offline: true, viewport: { width: 1280, height: 1600 } });
      const page = await context.newPage();
      const errors: string[] = [];
      const outside: string[] = [];
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('request', (r) => !r.url().startsWith('file:') && outside.push(r.url()));
      await page.goto(pathToFileURL(join(dir, 'report.html')).href);
      await page.waitForSelector('.uplot canvas');
      expect(errors).toEqual([]);
      expect(outside).toEqual([]);
      const canvases = await page.$$eval('.uplot canvas', (cs) =>
        cs.map((c) => [(c as unknown as { width: number }).width, (c as unknown as { height: number }).height]),
      );
      expect(canvases).toHaveLength(3);
      for (const [w, h] of canvases) expect(w! * h!).toBeGreaterThan(10_000);

      const rows = await page.$$eval('#requests-table tbody tr', (trs) =>
        trs.map((tr) => Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.field, td.textContent]))),
      );
      const expected = [...summary.requests, summary.total].map((r: any) => ({
        method: r.method,
        name: r.name,
        count: String(r.count),
        failures: String(r.failures),
        avg: r.avgMs.toFixed(2),
        min: r.minMs.toFixed(2),
        max: r.maxMs.toFixed(2),
        p50: r.percentilesMs['50'].toFixed(2),
        p90: r.percentilesMs['90'].toFixed(2),
        p95: r.percentilesMs['95'].toFixed(2),
        p99: r.percentilesMs['99'].toFixed(2),
        rps: r.rps.toFixed(2),
      }));
      expect(rows).toEqual(expected);
      // each worker's self-report: lag and how late its users woke from think time
      const workerRows = await page.$$eval('#workers-table tbody tr', (trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
      );
      expect(workerRows.map((r) => r.slice(6))).toEqual(
        summary.run.workers.map((w: any) => [`${w.health.lagP99MaxMs.toFixed(1)} ms`, `${w.health.wakeLateMaxMs.toFixed(1)} ms`]),
      );
      expect(await page.textContent('#scenario-output')).toMatch(/Starting load test/);
      await mkdir(join(ROOT, 'test-artifacts'), { recursive: true });
      await page.screenshot({ path: join(ROOT, 'test-artifacts', 'html-report.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });
});
