import { createServer, type AddressInfo } from 'node:net';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { Recorder } from '../recorder.js';
import { createHttpClient } from './client.js';
import { ConnectionPool } from './connections.js';

describe("a VU's HTTP client", () => {
  it('answers a request it cannot send as asked with status 0 and what is wrong, and sends nothing', async () => {
    let bytes = 0;
    const server = createServer((s) => s.on('data', (d: Buffer) => (bytes += d.length)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const pool = new ConnectionPool();
    try {
      const http = createHttpClient({
        baseUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`),
        connections: pool.forVu(),
        recorder: new Recorder(),
      });
      const res = await http.get('/a', { headers: { 'x-trace': 'a\r\nx-injected: 1' } });
      expect(res.status).toBe(0);
      expect(res.error).toMatch(/header "x-trace" has a control character/);
      const bodyless = await http.post('/b', { headers: { 'content-length': '10' } });
      expect(bodyless.error).toMatch(/content-length is 10 but the body has 0 bytes/);
      await new Promise((r) => setTimeout(r, 30));
      expect(bytes).toBe(0);
    } finally {
      await pool.close();
      server.close();
    }
  });

  it("sends a batch at once (k6's http.batch) and answers in its order, or under its keys", async () => {
    // the server answers only when all three are in: sent one after another, the batch would never end
    let waiting: { path: string; res: ServerResponse }[] = [];
    const server = createHttpServer((req, res) => {
      waiting.push({ path: `${req.method} ${req.url}`, res });
      if (waiting.length < 3) return;
      for (const w of waiting.reverse()) w.res.end(w.path);
      waiting = [];
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const pool = new ConnectionPool();
    try {
      const http = createHttpClient({ baseUrl: new URL(base), connections: pool.forVu(), recorder: new Recorder() });
      const list = await http.batch(['/a', ['POST', '/b', { json: { x: 1 } }], { method: 'PUT', url: `${base}/c` }]);
      expect(list.map((r) => r.text())).toEqual(['GET /a', 'POST /b', 'PUT /c']);
      const keyed = await http.batch({ one: '/1', two: { path: '/2' }, three: ['DELETE', '/3'] });
      expect(Object.fromEntries(Object.entries(keyed).map(([k, r]) => [k, r.text()]))).toEqual({
        one: 'GET /1',
        two: 'GET /2',
        three: 'DELETE /3',
      });
      await expect(http.batch(['/a', { method: 'GET' } as never])).rejects.toThrow(/batch\[1\]: give a path \(or url\)/);
    } finally {
      await pool.close();
      server.close();
    }
  });
});
