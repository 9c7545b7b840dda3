// A web page must not drive a coordinator: not from another port on the
// same host (a dev server, the target under test), not by DNS rebinding,
// not over a WebSocket. The attacks are made by a real Chromium against a
// real coordinator without a token (the case with the least to stop them).
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { ROOT, freePort, spawnVolley, stopProcess, waitForOutput, waitForStatus } from '../helpers.js';
import { haveChromium, launchChromium } from '../browser.js';

/** Sends one raw request with the Host header we choose (fetch will not), and answers with its status. */
function statusWithHost(port: number, host: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/status', headers: { host, ...headers } }, (res) => {
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode!);
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the attacker's page tries, from its own origin, against the coordinator at C. */
const ATTACK_PAGE = (c: string): string => `<!doctype html><html><body><iframe name="sink"></iframe><script>
window.result = (async () => {
  const C = ${JSON.stringify(c)};
  const body = JSON.stringify({ file: 'fast-did.ts', users: 1, spawnRate: 1, host: 'http://127.0.0.1:9' });
  const tried = [];
  for (const init of [
    { method: 'POST', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body },
    { method: 'POST', mode: 'no-cors', body: new Blob([body]) },
    { method: 'POST', headers: { 'content-type': 'application/json' }, body },
  ]) tried.push(await fetch(C + '/api/runs/from-dashboard', init).then((r) => 'answered ' + r.type, (e) => 'blocked'));
  // a form of enctype text/plain sends name=value: the name is JSON that swallows the '='
  const form = Object.assign(document.createElement('form'), { method: 'POST', action: C + '/api/runs/from-dashboard', enctype: 'text/plain', target: 'sink' });
  form.append(Object.assign(document.createElement('input'), { name: body.slice(0, -1) + ',"x":"', value: '"}' }));
  document.body.append(form);
  form.submit();
  await new Promise((r) => setTimeout(r, 1000));
  const ws = await new Promise((resolve) => {
    const seen = [];
    const s = new WebSocket(C.replace('http', 'ws'));
    s.onopen = () => s.send(JSON.stringify({ type: 'hello', protocol: 3, name: 'page', cores: 64, pid: 1, version: 'x' }));
    s.onmessage = (m) => seen.push(JSON.parse(m.data).type);
    s.onclose = () => resolve({ opened: s.readyState, seen });
    setTimeout(() => resolve({ timeout: true, seen }), 5000);
  });
  return { tried, ws };
})();
</script></body></html>`;

if (!haveChromium()) console.warn('cross-origin test skipped: /usr/bin/chromium is missing (npm test installs it when run as root)');

describe.skipIf(!haveChromium())('a web page cannot drive a coordinator', () => {
  let attacker: Server | undefined;
  const procs: ReturnType<typeof spawnVolley>[] = [];
  afterAll(async () => {
    await Promise.all(procs.map((p) => stopProcess(p, 'SIGKILL')));
    attacker?.close();
  });

  it('not from another port on the same host, not by DNS rebinding, not over a WebSocket', async () => {
    const port = await freePort();
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, '--scenarios', join(ROOT, 'test/fixtures')]);
    procs.push(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    procs.push(spawnVolley(['worker', '--coordinator', `ws://127.0.0.1:${port}`, '--name', 'real', '--cores', '1']));
    const api = ['--coordinator', `http://127.0.0.1:${port}`];
    await waitForStatus(api, /workers: 1 connected/);
    const C = `http://127.0.0.1:${port}`;

    // DNS rebinding: the coordinator answers to loopback names only; so does its WebSocket
    expect(await statusWithHost(port, `127.0.0.1:${port}`)).toBe(200);
    expect(await statusWithHost(port, `localhost:${port}`)).toBe(200);
    expect(await statusWithHost(port, `attacker.example:${port}`)).toBe(403);
    expect(
      await statusWithHost(port, `attacker.example:${port}`, {
        connection: 'upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      }),
    ).toBe(403);

    const attackPort = await freePort();
    attacker = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(ATTACK_PAGE(C)));
    await new Promise<void>((r) => attacker!.listen(attackPort, '127.0.0.1', r));
    // attacker.example resolves to loopback in this browser: the rebinding attack, for real
    const browser = await launchChromium([`--host-resolver-rules=MAP attacker.example 127.0.0.1`]);
    try {
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${attackPort}/`);
      const result = (await page.evaluate('window.result')) as { tried: string[]; ws: { seen: string[] } };
      // the no-cors ones reach the coordinator (opaque answers); the JSON one is stopped by its unanswered preflight
      expect(result.tried).toEqual(['answered opaque', 'answered opaque', 'blocked']);
      expect(result.ws.seen).toEqual([]);

      // a page served under a rebound name, same-origin with the coordinator as far as the browser knows
      const rebound = await browser.newPage();
      expect((await rebound.goto(`http://attacker.example:${port}/`))?.status()).toBe(403);
      const answer = await rebound.evaluate(async () => {
        const r = await fetch('/api/runs/from-dashboard', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ file: 'fast-did.ts', users: 1, spawnRate: 1, host: 'http://127.0.0.1:9' }),
        });
        return r.status;
      });
      expect(answer).toBe(403);
    } finally {
      await browser.close();
    }

    // what a form could send, straight (no Origin): refused as not JSON
    expect((await fetch(`${C}/api/runs/current/stop`, { method: 'POST', body: '{}' })).status).toBe(415);

    // nothing started, the page did not join as a worker, and each attempt was refused and said
    const status = (await (await fetch(`${C}/api/status`)).json()) as { run?: unknown; workers: { name: string }[] };
    expect(status.run).toBeUndefined();
    expect(status.workers.map((w) => w.name)).toEqual(['real']);
    // its log comes down its own pipe, and may come after the answer did
    for (const said of [
      /cross-origin request from http:\/\/127\.0\.0\.1:\d+ refused/,
      /POST bodies must be sent as content-type: application\/json/,
      /WebSocket upgrades from web pages are refused/,
      /Host attacker\.example:\d+ is not a loopback name/,
    ])
      await waitForOutput(coordinator, said, 5000);
    expect(coordinator.exitCode).toBeNull();
  });

  it('the dashboard logs in with a token holding +, / and =, as typed or encoded', async () => {
    const port = await freePort();
    const token = 'a+b/c=d';
    const coordinator = spawnVolley(['coordinator', '--listen', `127.0.0.1:${port}`, '--token', token]);
    procs.push(coordinator);
    await waitForOutput(coordinator, /coordinator listening/);
    const browser = await launchChromium();
    try {
      for (const typed of [token, encodeURIComponent(token)]) {
        const page = await browser.newPage();
        await page.goto(`http://127.0.0.1:${port}/?token=${typed}`);
        await page.waitForSelector('#start-form:not([hidden])', { timeout: 10_000 });
        // the form is filled from GET /api/dashboard and the state from the status stream: either may come first
        await page.waitForSelector('#state[data-state="idle"]', { timeout: 10_000 });
        expect(await page.textContent('#state')).toMatch(/no run yet · 0 workers/);
        await page.close();
      }
    } finally {
      await browser.close();
    }
  });
});
