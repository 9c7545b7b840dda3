import { createServer, type AddressInfo } from 'node:net';
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
      const http = createHttpClient({ baseUrl: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), connections: pool.forVu(), recorder: new Recorder() });
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
});
