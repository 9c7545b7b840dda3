import { createHash } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startDidServer, type DidServer } from 'volley/did-server';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** A target for k6's HTTP behaviours: echo, redirects, cookies, basic and digest auth; it counts what it answers. */
export async function startTarget(): Promise<{
  url: string;
  hits: Map<string, number>;
  vus: { vu: number; iter: number; mine: number; inTest: number }[];
  conns: { opened: number; slowPeak: number };
  close(): Promise<void>;
}> {
  const hits = new Map<string, number>();
  const conns = { opened: 0, slowPeak: 0 };
  let slow = 0;
  const vus: { vu: number; iter: number; mine: number; inTest: number }[] = [];
  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const u = new URL(req.url!, 'http://x');
    hits.set(u.pathname, (hits.get(u.pathname) ?? 0) + 1);
    const json = (status: number, v: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-custom-thing': 'yes', ...headers }).end(JSON.stringify(v));
    };
    const redirect = /^\/redirect\/(\d+)$/.exec(u.pathname);
    if (u.pathname === '/echo')
      return json(200, { method: req.method, query: Object.fromEntries(u.searchParams), headers: req.headers, body: body.toString() });
    if (u.pathname === '/slow') {
      conns.slowPeak = Math.max(conns.slowPeak, ++slow);
      await new Promise((r) => setTimeout(r, 30));
      slow--;
      return json(200, { i: u.searchParams.get('i') });
    }
    if (u.pathname === '/raw') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
    if (u.pathname === '/vu') {
      vus.push({
        vu: Number(u.searchParams.get('vu')),
        iter: Number(u.searchParams.get('iter')),
        mine: Number(u.searchParams.get('mine')),
        inTest: Number(u.searchParams.get('inTest')),
      });
      return json(200, {});
    }
    if (u.pathname === '/login') {
      const form = new URLSearchParams(body.toString());
      const ok = req.headers['content-type'] === 'application/x-www-form-urlencoded' && form.get('pass')?.length === 2;
      return json(ok ? 200 : 400, {}, ok ? { 'set-cookie': `session=${form.get('user')}; Path=/; HttpOnly` } : {});
    }
    if (u.pathname === '/whoami') return json(200, { cookie: req.headers.cookie ?? null });
    if (redirect)
      return void res.writeHead(302, { location: Number(redirect[1]) > 1 ? `/redirect/${Number(redirect[1]) - 1}` : '/final' }).end();
    if (u.pathname === '/final') return json(200, {});
    if (u.pathname === '/redirect-303') return void res.writeHead(303, { location: '/echo' }).end();
    if (u.pathname === '/basic')
      return json(req.headers.authorization === `Basic ${Buffer.from('ann:secret').toString('base64')}` ? 200 : 401, {});
    if (u.pathname === '/digest') {
      const auth = req.headers.authorization ?? '';
      const p = Object.fromEntries([...auth.matchAll(/(\w+)="?([^",]*)"?/g)].map((m) => [m[1]!, m[2]!]));
      const expected = md5(`${md5('ann:volley:secret')}:n0nce:${p.nc}:${p.cnonce}:auth:${md5(`GET:${p.uri}`)}`);
      if (auth.startsWith('Digest ') && p.response === expected && p.opaque === 'op') return json(200, {});
      return json(401, {}, { 'www-authenticate': 'Digest realm="volley", nonce="n0nce", qop="auth", opaque="op"' });
    }
    const status = /^\/status\/(\d+)$/.exec(u.pathname);
    if (status) return json(Number(status[1]), {});
    json(404, {});
  };
  const server: Server = createServer((req, res) => void answer(req, res));
  server.on('connection', () => void conns.opened++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, hits, vus, conns, close: () => new Promise((r) => server.close(() => r())) };
}

/** What a k6 e2e file runs against: the DID sample server, the target above, and a directory; up for the file's tests. */
export function k6Fixtures(prefix: string): { did: DidServer; target: Awaited<ReturnType<typeof startTarget>>; dir: string } {
  const f = {} as ReturnType<typeof k6Fixtures>;
  beforeAll(async () => {
    f.did = await startDidServer();
    f.target = await startTarget();
    f.dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    await f.did.close();
    await f.target.close();
  });
  return f;
}
