import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionPool } from './connections.js';
import { Exchange } from './exchange.js';
import type { Http1Connection, Http1Request } from './http1-connection.js';
import { selectParser } from './response-parser.js';

const servers: Server[] = [];
const pools: ConnectionPool[] = [];
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close();
  for (const s of servers.splice(0)) {
    (s as { closeAllConnections?: () => void }).closeAllConnections?.();
    await new Promise((r) => s.close(r));
  }
});

async function listen<S extends Server>(server: S): Promise<string> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function http(handler: (req: IncomingMessage, res: ServerResponse, body: string) => void): Promise<string> {
  const server = createHttpServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handler(req, res, body));
  });
  return listen(server);
}

/** A server speaking raw bytes: `onRequest` gets each request head (bodiless requests) and its socket's number. */
function raw(onRequest: (socket: Socket, head: string, conn: number, n: number) => void): Promise<string> {
  let conns = 0;
  return listen(
    createServer((socket) => {
      const conn = ++conns;
      let n = 0;
      let rest = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => {
        const heads = (rest + chunk).split('\r\n\r\n');
        rest = heads.pop()!;
        for (const h of heads) onRequest(socket, h, conn, ++n);
      });
      socket.on('error', () => undefined);
    }),
  );
}

function connection(origin: string): Http1Connection {
  const pool = new ConnectionPool();
  pools.push(pool);
  return pool.client(origin);
}

async function send(conn: Http1Connection, req: Partial<Http1Request> = {}): Promise<Exchange> {
  const x = new Exchange(performance.now());
  conn.dispatch({ method: 'GET', path: '/', timeoutMs: 5_000, ...req }, x);
  return x.done;
}

const text = (x: Exchange): string => x.bodyBuffer().toString('utf8');

// every case on both parsers: Node's own (through its private door) and the public fallback
describe.each(['native', 'js'] as const)('an HTTP/1.1 connection (%s parser)', (kind) => {
  beforeAll(() => {
    expect(selectParser(kind).kind).toBe(kind);
  });
  afterAll(() => void selectParser('auto'));

  it('reads bodies by length, chunked, and none for HEAD, 204 and 304; many headers; the bytes each way', async () => {
    const origin = await http((req, res, body) => {
      if (req.url === '/chunked') {
        res.write('x'.repeat(70_000));
        setTimeout(() => res.end('end'), 5);
      } else if (req.url === '/echo') res.end(`${req.method} ${req.headers['content-length']} ${body}`);
      else if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"a"' }).end();
      else if (req.url === '/headers') {
        for (let i = 0; i < 40; i++) res.setHeader(`x-h${i}`, String(i));
        res.setHeader('set-cookie', ['a=1', 'b=2']);
        res.end('ok');
      } else res.writeHead(200, { 'content-length': 5 }).end(req.method === 'HEAD' ? undefined : 'hello');
    });
    const c = connection(origin);
    const chunked = await send(c, { path: '/chunked' });
    expect([chunked.status, text(chunked).length, text(chunked).endsWith('end')]).toEqual([200, 70_003, true]);
    const echo = await send(c, { method: 'POST', path: '/echo', body: 'héllo' });
    expect(text(echo)).toBe('POST 6 héllo');
    expect(text(await send(c, { method: 'POST', path: '/echo' }))).toBe('POST 0 ');
    const head = await send(c, { method: 'HEAD', path: '/' });
    expect([head.status, head.headers['content-length'], text(head)]).toEqual([200, '5', '']);
    expect((await send(c, { path: '/204' })).status).toBe(204);
    expect((await send(c, { path: '/304' })).status).toBe(304);
    const many = await send(c, { path: '/headers' });
    expect(many.headers['x-h0']).toBe('0');
    expect(many.headers['x-h39']).toBe('39');
    expect(many.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    // and still the same connection, in order, after all of that
    const last = await send(c, { path: '/' });
    expect(text(last)).toBe('hello');
    const t = last.timing();
    expect(t.sentBytes).toBe(Buffer.byteLength(`GET / HTTP/1.1\r\nhost: ${new URL(origin).host}\r\n\r\n`));
    expect(t.receivedBytes).toBeGreaterThan(Buffer.byteLength('HTTP/1.1 200 OK\r\n\r\nhello'));
    expect(t.connectingUs).toBe(0); // reported once, by the first request
    expect((servers[0] as unknown as { _connections: number })._connections).toBe(1);
  });

  it('opens a new connection when the server closes, says it will, or its keep-alive hint runs out', async () => {
    const seen: number[] = [];
    const origin = await raw((socket, head, conn, n) => {
      seen.push(conn);
      if (head.includes('/close')) socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\nok');
      else if (head.includes('/until-close')) socket.end('HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nread to the end');
      else if (head.includes('/trailer'))
        socket.write('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ntrailer: x-trailer\r\n\r\n2\r\nok\r\n0\r\nx-trailer: t\r\n\r\n');
      else if (head.includes('/hint')) socket.write('HTTP/1.1 200 OK\r\nkeep-alive: timeout=1\r\ncontent-length: 2\r\n\r\nok');
      else socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n${conn}.${n}`);
    });
    const c = connection(origin);
    expect(text(await send(c))).toBe('1.1');
    // a trailer ends its own response, and is not taken for the next one's head
    expect(text(await send(c, { path: '/trailer' }))).toBe('ok');
    const after = await send(c);
    expect([text(after), after.headers['x-trailer']]).toEqual(['1.3', undefined]);
    expect(text(await send(c, { path: '/close' }))).toBe('ok');
    expect(text(await send(c))).toBe('2.1');
    expect(text(await send(c, { path: '/until-close' }))).toBe('read to the end');
    expect(text(await send(c))).toBe('3.1');
    // `connection: close` from the scenario closes after the answer
    expect(text(await send(c, { headers: { connection: 'close' } }))).toBe('3.2');
    expect(text(await send(c))).toBe('4.1');
    // timeout=1 leaves no margin: the next request does not risk the race
    expect(text(await send(c, { path: '/hint' }))).toBe('ok');
    expect(text(await send(c))).toBe('5.1');
  });

  it('a connection the server closes while it idles, saying nothing, is opened again for the next request', async () => {
    const origin = await raw((socket, _head, conn) => {
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\n${conn}`);
      setTimeout(() => socket.end(), 10); // an idle timeout shorter than the user's think time
    });
    const c = connection(origin);
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      const x = await send(c);
      answers.push(x.error ? String(x.error) : text(x));
      await new Promise((r) => setTimeout(r, 40));
    }
    expect(answers).toEqual(['1', '2', '3']);
  });

  it('sends an idempotent request again when a reused connection closes before answering; not a POST', async () => {
    const origin = await raw((socket, _head, conn, n) => {
      // the first connection dies on its second request, unanswered, as a server whose keep-alive just ran out
      if (conn === 1 && n === 2) return void socket.destroy();
      if (conn === 3 && n === 2) return void socket.destroy();
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\n${conn}.${n}`);
    });
    const c = connection(origin);
    expect(text(await send(c))).toBe('1.1');
    const again = await send(c);
    expect([again.error, text(again)]).toEqual([undefined, '2.1']);
    expect(text(await send(c, { method: 'POST', body: '' }))).toBe('2.2');
    // POST is not idempotent: its failure is reported, not repeated
    const c3 = connection(origin);
    expect(text(await send(c3))).toBe('3.1');
    const post = await send(c3, { method: 'POST', body: 'x' });
    expect((post.error as { code?: string }).code).toBe('ECONNRESET');
  });

  it('fails, with a code to count, a response cut short, one that does not parse, one that is too slow, a refused connect; and goes on', async () => {
    const origin = await raw((socket, head, _conn, n) => {
      if (head.includes('/cut')) return void socket.end('HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly this');
      if (head.includes('/garbage')) return void socket.write('HTTX/9 what\r\n\r\n');
      if (head.includes('/slow')) return; // never answers
      if (head.includes('/continue'))
        return void socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nhi');
      socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n${String(n).padStart(2, '0')}`);
    });
    const c = connection(origin);
    const cut = await send(c, { path: '/cut' });
    expect(cut.error).toBeDefined();
    expect(cut.timing().complete).toBe(false);
    const garbage = await send(c, { path: '/garbage' });
    expect((garbage.error as { code?: string }).code).toMatch(/^HPE_/);
    const began = performance.now();
    const slow = await send(c, { path: '/slow', timeoutMs: 300 });
    expect((slow.error as { code?: string }).code).toBe('ETIMEDOUT');
    expect(performance.now() - began).toBeGreaterThanOrEqual(300);
    expect(performance.now() - began).toBeLessThan(1_000);
    // a short timeout is checked as often as it needs: it fires near its time, not at the next 100 ms
    const short = await send(c, { path: '/slow', timeoutMs: 50 });
    expect(short.timing().durationUs / 1000).toBeGreaterThanOrEqual(50);
    expect(short.timing().durationUs / 1000).toBeLessThan(80);
    const informational = await send(c, { path: '/continue' });
    expect([informational.status, text(informational)]).toEqual([201, 'hi']);
    expect(text(await send(c))).toBe('02');

    const port = (servers[0]!.address() as AddressInfo).port;
    servers.pop()!.close();
    await new Promise((r) => setTimeout(r, 20));
    const refused = await send(connection(`http://127.0.0.1:${port}`));
    expect((refused.error as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('takes requests one at a time, in order; a queued one aborted never goes out, one in flight is cut', async () => {
    const heads: string[] = [];
    const origin = await raw((socket, head) => {
      heads.push(head.split(' ')[1]!);
      if (head.includes('/hold')) return;
      setTimeout(() => socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`), 10);
    });
    const c = connection(origin);
    const xs = ['/1', '/2', '/3'].map((path) => {
      const x = new Exchange(performance.now());
      c.dispatch({ method: 'GET', path, timeoutMs: 5_000 }, x);
      return x;
    });
    xs[1]!.abort();
    const done = await Promise.all(xs.map((x) => x.done));
    expect(done.map((x) => (x.error as { code?: string } | undefined)?.code ?? text(x))).toEqual(['ok', 'INTERRUPTED', 'ok']);
    expect(heads).toEqual(['/1', '/3']);
    const held = new Exchange(performance.now());
    c.dispatch({ method: 'GET', path: '/hold', timeoutMs: 5_000 }, held);
    await new Promise((r) => setTimeout(r, 50));
    held.abort();
    expect(((await held.done).error as { code?: string }).code).toBe('INTERRUPTED');
    expect(text(await send(c, { path: '/after' }))).toBe('ok');
  });

  it('refuses a request it cannot write as asked, before anything is sent', async () => {
    const heads: string[] = [];
    const origin = await raw((_s, head) => heads.push(head));
    const c = connection(origin);
    expect(() => c.dispatch({ method: 'GET', path: '/', headers: { 'x-a': 'a\r\nb: c' }, timeoutMs: 1_000 }, new Exchange(0))).toThrow(
      /x-a/,
    );
    await new Promise((r) => setTimeout(r, 30));
    expect(heads).toEqual([]);
  });

  it('reads any framing, cut at any byte, in order: each body exactly as sent (property)', async () => {
    // each request's path says how to answer it: /<framing>/<body length>/<seed>
    type Framing = 'length' | 'chunked' | 'close';
    let answer: (socket: Socket, path: string) => void = () => undefined;
    const origin = await raw((socket, head) => answer(socket, head.split(' ')[1]!));
    const bodyOf = (n: number, seed: number): string =>
      Array.from({ length: n }, (_, i) => String.fromCharCode(97 + ((i * 7 + seed) % 26))).join('');
    const response = (framing: Framing, body: string, seed: number): string => {
      if (framing === 'length') return `HTTP/1.1 200 OK\r\ncontent-length: ${body.length}\r\n\r\n${body}`;
      if (framing === 'close') return `HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n${body}`;
      let out = 'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n';
      for (let i = 0, size = 1 + (seed % 97); i < body.length; i += size)
        out += `${Math.min(size, body.length - i).toString(16)}\r\n${body.slice(i, i + size)}\r\n`;
      return `${out}0\r\n\r\n`;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            framing: fc.constantFrom<Framing>('length', 'chunked', 'close'),
            length: fc.integer({ min: 0, max: 3000 }),
            seed: fc.nat(1000),
          }),
          { minLength: 1, maxLength: 6 },
        ),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 8 }),
        async (requests, cuts) => {
          answer = (socket, path) => {
            const [, framing, length, seed] = path.split('/');
            const bytes = response(framing as Framing, bodyOf(Number(length), Number(seed)), Number(seed));
            // written in pieces, a turn apart, so that the parser meets every boundary
            let at = 0;
            let k = 0;
            const next = (): void => {
              if (socket.destroyed) return;
              const piece = bytes.slice(at, (at += cuts[k++ % cuts.length]!));
              if (at >= bytes.length) return void (framing === 'close' ? socket.end(piece, 'latin1') : socket.write(piece, 'latin1'));
              socket.write(piece, 'latin1');
              setImmediate(next);
            };
            next();
          };
          const c = connection(origin);
          for (const r of requests) {
            const x = await send(c, { path: `/${r.framing}/${r.length}/${r.seed}` });
            expect(x.error).toBeUndefined();
            expect(text(x)).toBe(bodyOf(r.length, r.seed));
          }
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('the parser door', () => {
  it("finds Node's own parser on this Node, and says which it uses", () => {
    expect(selectParser('auto')).toEqual({ kind: 'native', description: expect.stringMatching(/^llhttp, Node's own/) });
    expect(selectParser('js')).toEqual({ kind: 'js', description: 'http-parser-js (asked for)' });
    selectParser('auto');
  });
});
