import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleScenario } from '../bundle.js';
import { k6each } from '../../../worker/src/k6/each.js';
import { rewriteSyncCalls } from './sync-calls.js';

const dir = mkdtempSync(join(tmpdir(), 'volley-sync-'));
let n = 0;

/** Bundles `source` as a k6 script and runs its default function with k6 calls that answer later, as a worker's do. */
async function run(source: string): Promise<{ result: unknown; log: string[] }> {
  const file = join(dir, `s${++n}.js`);
  writeFileSync(file, source);
  const bundle = await bundleScenario(file);
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(bundle.code).toString('base64')}`)) as {
    default: { factory: (...args: any[]) => any };
  };
  const log: string[] = [];
  const later = <T>(v: T): Promise<T> => new Promise((r) => setTimeout(() => r(v), 1));
  const http = {
    get: (url: string) => {
      log.push(`GET ${url}`);
      return later({ status: url.includes('bad') ? 500 : 200, url });
    },
    post: (url: string) => {
      log.push(`POST ${url}`);
      return later({ status: 201, url });
    },
  };
  const k6 = {
    sleep: (s: number) => {
      log.push(`sleep ${s}`);
      return later(undefined);
    },
    check: (v: unknown, sets: Record<string, (v: unknown) => unknown>) =>
      Object.values(sets).every((f) => {
        const r = f(v);
        if (r instanceof Promise) throw new Error('check got a Promise');
        return r;
      }),
    group: async (name: string, fn: () => unknown) => {
      log.push(`group ${name}`);
      return fn();
    },
  };
  const modules: Record<string, Record<string, unknown>> = { 'k6/http': { default: http, '*': http, ...http }, k6: k6 };
  const inst = await mod.default.factory(
    (m: string, name: string) => modules[m]![name],
    {},
    1,
    () => '',
    k6each,
    console,
  );
  return { result: await inst.exports.default(), log };
}

async function refusal(source: string): Promise<string> {
  const file = join(dir, `r${++n}.js`);
  writeFileSync(file, source);
  return bundleScenario(file).then(
    () => 'no refusal',
    (err: Error) => err.message,
  );
}

describe('k6 calls made synchronous to the script', () => {
  it('awaits requests in helpers, methods, object arrows and callbacks, and nothing else', async () => {
    const { result, log } = await run(`
      import http from 'k6/http';
      import { check, sleep, group } from 'k6';
      function fetch(u) { return http.get(u); }
      class Api { login() { return http.post('/login'); } static ping() { return http.get('/ping'); } }
      const helpers = { one: (u) => http.get(u) };
      let counter = 0;
      export default function () {
        const a = fetch('/a');
        const api = new Api();
        const l = api.login();
        const p = Api.ping();
        const all = ['/x', '/y'].map((u) => http.get(u));
        const good = ['/ok', '/bad'].filter((u) => http.get(u).status === 200);
        const found = ['/bad', '/ok2'].find((u) => helpers.one(u).status === 200);
        let total = 0;
        ['/s1', '/s2'].forEach((u) => { total += http.get(u).status; });
        const sum = [1, 2].reduce((acc, x) => acc + http.get('/r' + x).status, 0);
        group('g', () => { http.get('/g'); });
        sleep(1);
        const plain = [3, 1, 2].sort((x, y) => x - y);
        const ok = check(a, { 'is 200': (r) => r.status === 200 });
        counter++;
        return { a: a.status, l: l.status, p: p.status, all: all.map((r) => r.status), good, found, total, sum, plain, ok, counter };
      }`);
    expect(result).toEqual({
      a: 200,
      l: 201,
      p: 200,
      all: [200, 200],
      good: ['/ok'],
      found: '/ok2',
      total: 400,
      sum: 400,
      plain: [1, 2, 3],
      ok: true,
      counter: 1,
    });
    expect(log).toEqual([
      'GET /a',
      'POST /login',
      'GET /ping',
      'GET /x',
      'GET /y',
      'GET /ok',
      'GET /bad',
      'GET /bad',
      'GET /ok2',
      'GET /s1',
      'GET /s2',
      'GET /r1',
      'GET /r2',
      'group g',
      'GET /g',
      'sleep 1',
    ]);
  });

  it('follows functions handed around: a parameter, a returned closure, a higher-order helper', async () => {
    const { result } = await run(`
      import http from 'k6/http';
      function retry(fn, times) { for (let i = 0; i < times; i++) { const r = fn(); if (r.status === 200) return r; } return null; }
      function client(base) { return (path) => http.get(base + path); }
      export default function () {
        const get = client('/api');
        const r = retry(() => get('/bad'), 2);
        const s = retry(() => get('/good'), 2);
        return [r, s.status, s.url];
      }`);
    expect(result).toEqual([null, 200, '/api/good']);
  });

  it('follows the k6/http module itself wherever it is kept: an alias, an object, a class field, a parameter', async () => {
    const { result, log } = await run(`
      import http from 'k6/http';
      import * as ns from 'k6/http';
      const h = http;
      const api = { http, base: '/api' };
      class Client {
        constructor(transport) { this.transport = transport; }
        fetch(p) { return this.transport.get(p); }
      }
      function send(mod, p) { return mod.post(p); }
      const { get } = http;
      export default function () {
        const a = h.get('/alias');
        const b = api.http.get(api.base + '/obj');
        const c = new Client(http).fetch('/field');
        const d = send(http, '/param');
        const e = get('/destructured');
        const f = ns.get('/namespace');
        return [a, b, c, d, e, f].map((r) => r.status);
      }`);
    expect(result).toEqual([200, 200, 200, 201, 200, 200]);
    expect(log).toEqual(['GET /alias', 'GET /api/obj', 'GET /field', 'POST /param', 'GET /destructured', 'GET /namespace']);
  });

  it('each VU instance has its own module state', async () => {
    const file = join(dir, 'state.js');
    writeFileSync(file, `import http from 'k6/http'; let count = 0; export default function () { count++; return count; }`);
    const bundle = await bundleScenario(file);
    const mod = (await import(`data:text/javascript;base64,${Buffer.from(bundle.code).toString('base64')}`)) as {
      default: { factory: (...args: any[]) => any };
    };
    const a = await mod.default.factory(
      () => ({}),
      {},
      1,
      () => '',
      k6each,
      console,
    );
    const b = await mod.default.factory(
      () => ({}),
      {},
      2,
      () => '',
      k6each,
      console,
    );
    expect([await a.exports.default(), await a.exports.default(), await b.exports.default()]).toEqual([1, 2, 1]);
  });

  it('refuses, with file and line, what cannot wait as k6 does', async () => {
    expect(
      await refusal(
        `import http from 'k6/http';\nclass A {\n  constructor() { this.r = http.get('/x'); }\n}\nexport default function () { new A(); }`,
      ),
    ).toMatch(/r\d+\.js:3:\d+: http\.get\(\) is reached from a class constructor/);
    expect(
      await refusal(
        `import http from 'k6/http';\nconst o = {\n  get res() { return http.get('/x'); },\n};\nexport default function () { return o.res; }`,
      ),
    ).toMatch(/:3:\d+: http\.get\(\) is reached from a getter/);
    expect(
      await refusal(
        `import http from 'k6/http';\nfunction* gen() {\n  yield http.get('/x');\n}\nexport default function () { gen().next(); }`,
      ),
    ).toMatch(/:3:\d+: .*generator/);
    expect(await refusal(`import http from 'k6/http';\nexport default function () {\n  setTimeout(() => http.get('/x'), 10);\n}`)).toMatch(
      /:3:\d+: a function that makes requests is handed to setTimeout\(\)/,
    );
    expect(
      await refusal(
        `import http from 'k6/http';\nexport default function () {\n  return new Promise((resolve) => resolve(http.get('/x')));\n}`,
      ),
    ).toMatch(/:3:\d+: a function that makes requests is handed to new Promise\(\)/);
    expect(await refusal(`import http from 'k6/http';\nconst r = http.get('/x');\nexport default function () {}`)).toMatch(
      /:2:\d+: http\.get\(\) makes a request in the init context/,
    );
    expect(
      await refusal(`import http from 'k6/http';\nexport default function () {\n  'a,b'.replace(/a/, () => http.get('/x').body);\n}`),
    ).toMatch(/:3:\d+: .*replace\(\)/);
  });

  it('refuses the modules it does not run, at the importing line', async () => {
    expect(await refusal(`import http from 'k6/http';\nimport ws from 'k6/ws';\nexport default function () {}`)).toMatch(
      /r\d+\.js:2:\d+: k6\/ws is not supported by Volley/,
    );
    expect(await refusal(`import { x } from 'k6/x/kafka';\nexport default function () {}`)).toMatch(
      /:1:\d+: k6\/x\/kafka is not supported by Volley \(extensions/,
    );
    expect(await refusal(`import { Client } from 'k6/net/grpc';\nexport default function () {}`)).toMatch(/k6\/net\/grpc is not supported/);
    expect(
      await refusal(`import http from 'k6/http';\nimport { foo } from 'https://example.com/lib.js';\nexport default function () {}`),
    ).toMatch(/:2:\d+: https:\/\/example\.com\/lib\.js: a worker has no internet/);
    expect(await refusal(`const http = require('k6/http');\nexport default function () { http.get('/x'); }`)).toMatch(
      /:1:\d+: require\('k6\/http'\): write `import … from 'k6\/http'`/,
    );
  });

  it('leaves a script without blocking calls as it was, but for the wrapper', () => {
    const code = 'function f(x) { return [1, 2].map((y) => y * x); }\nexport { f as default };\n';
    expect(rewriteSyncCalls(code).code.trim()).toBe('function f(x) { return [1, 2].map((y) => y * x); }');
  });
});
