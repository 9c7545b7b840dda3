import { createHash, createHmac, randomBytes, randomUUID, type BinaryLike } from 'node:crypto';
import { Counter, Gauge, Rate, Trend, RUNTIME_KEY, type HttpClient, type MetricsRuntime } from '@volley/shared/scenario';
import type { K6Module } from '@volley/shared';
import type { CookieJar } from '../http/cookies.js';
import { expectedStatuses, K6Http, type K6HttpOptions } from './http.js';
import { jUnit, textSummary } from './text-summary.js';
import { deepFreeze } from '../deep-freeze.js';

/**
 * The `k6/*` modules a script imports, as one VU sees them. The rewrite
 * turns `import http from 'k6/http'` into `const http = __k6('k6/http',
 * 'default')`; each VU's instance asks for what it imports, so a VU holds
 * only those.
 */
export interface VuPort {
  /** 0 in the init context and in setup/teardown (k6's) */
  readonly vu: number;
  readonly http?: HttpClient;
  readonly jar?: CookieJar;
  readonly hasHost: boolean;
  readonly options: K6HttpOptions & { scenarios?: Record<string, { executor?: string }> };
  readonly scenario?: string;
  /** the scenario's env over the run's (k6's __ENV), and its tags */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly tags?: Readonly<Record<string, string>>;
  sleep(seconds: number): Promise<void>;
  group<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /** this VU's iterations so far in the instance */
  iteration(): number;
  /** the current iteration's number in its scenario across the cluster (k6's iterationInTest) */
  iterationInTest(): number;
  /** k6/execution test.abort() */
  abort(reason: string): never;
}

/** What every VU of a worker shares: SharedArray's contents, by name. */
export class SharedState {
  readonly arrays = new Map<string, readonly unknown[]>();
}

const runtime = (): MetricsRuntime | undefined => (globalThis as { [RUNTIME_KEY]?: MetricsRuntime })[RUNTIME_KEY];

const PLAIN_METRICS = { Trend, Rate, Counter, Gauge };

/** A scenario's metric classes: what they add carries the scenario's tags (made only for a scenario with tags). */
function taggedMetrics(scenarioTags: Readonly<Record<string, string>>) {
  const withTags = (tags?: Record<string, string>): Record<string, string> => ({ ...scenarioTags, ...tags });
  return {
    Trend: class extends Trend {
      override add(v: number, tags?: Record<string, string>): void {
        super.add(v, withTags(tags));
      }
    },
    Rate: class extends Rate {
      override add(v: boolean | number, tags?: Record<string, string>): void {
        super.add(v, withTags(tags));
      }
    },
    Counter: class extends Counter {
      override add(v?: number, tags?: Record<string, string>): void {
        super.add(v, withTags(tags));
      }
    },
    Gauge: class extends Gauge {
      override add(v: number, tags?: Record<string, string>): void {
        super.add(v, withTags(tags));
      }
    },
  };
}

/** k6's check: each value a function of `value` or a boolean; counted in `checks` per name. A Promise among the answers makes it wait. */
function check(value: unknown, sets: Record<string, unknown>, tags?: Record<string, string>): boolean | Promise<boolean> {
  if (typeof sets !== 'object' || sets === null)
    throw new TypeError('check(value, { name: (v) => boolean, … }): the second argument must be an object of checks');
  // a k6 call the rewrite did not make wait would reach here as a Promise, and its checks would read undefined: say so rather than count them
  if (value instanceof Promise)
    throw new TypeError(
      'check() was given a Promise: a call Volley did not make wait as k6 does (please report the script); write `await` before it, or call it directly',
    );
  const names: string[] = [];
  const results: unknown[] = [];
  let waits = false;
  for (const name in sets) {
    const fn = sets[name];
    const r = typeof fn === 'function' ? (fn as (v: unknown) => unknown)(value) : fn;
    if (r instanceof Promise) waits = true;
    names.push(name);
    results.push(r);
  }
  const record = (answers: unknown[]): boolean => {
    const rt = runtime();
    let all = true;
    for (let i = 0; i < answers.length; i++) {
      const ok = !!answers[i];
      all &&= ok;
      rt?.add('rate', 'checks', ok ? 1 : 0, tags ? { ...tags, check: names[i]! } : { check: names[i]! });
    }
    return all;
  };
  return waits ? Promise.all(results).then(record) : record(results);
}

function b64encode(input: string | ArrayBuffer | ArrayBufferView, encoding = 'std'): string {
  const buf =
    typeof input === 'string'
      ? Buffer.from(input, 'utf8')
      : input instanceof ArrayBuffer
        ? Buffer.from(input)
        : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const url = encoding === 'url' || encoding === 'rawurl';
  let out = buf.toString(url ? 'base64url' : 'base64');
  if (encoding === 'url') out += '='.repeat((4 - (out.length % 4)) % 4);
  if (encoding === 'rawstd') out = out.replace(/=+$/, '');
  return out;
}

function b64decode(input: string, encoding = 'std', format?: 's'): string | ArrayBuffer {
  const buf = Buffer.from(input, encoding === 'url' || encoding === 'rawurl' ? 'base64url' : 'base64');
  return format === 's' ? buf.toString('utf8') : (buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer);
}

const toData = (d: BinaryLike | ArrayBuffer): BinaryLike => (d instanceof ArrayBuffer ? Buffer.from(d) : d);
function digest(h: { digest(): Buffer }, enc?: string): string | ArrayBuffer {
  const b = h.digest();
  if (enc === 'hex' || enc === 'base64') return b.toString(enc);
  if (enc === 'base64url' || enc === 'base64rawurl') return b.toString('base64url');
  if (enc === 'base64raw') return b.toString('base64').replace(/=+$/, '');
  if (enc === 'binary' || enc === undefined) return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  throw new Error(`k6/crypto: unknown output encoding '${enc}' (hex, base64, base64url, base64raw, base64rawurl, binary)`);
}
const algo = (a: string): string =>
  a
    .replace(/^sha(\d)/, 'sha$1')
    .replace('-', '')
    .replace(/^sha512_(\d+)$/, 'sha512-$1');
const hashFn = (a: string) => (data: BinaryLike | ArrayBuffer, enc?: string) => digest(createHash(algo(a)).update(toData(data)), enc);

const crypto = {
  md4: () => {
    throw new Error('k6/crypto md4 is not supported by Volley');
  },
  md5: hashFn('md5'),
  sha1: hashFn('sha1'),
  sha256: hashFn('sha256'),
  sha384: hashFn('sha384'),
  sha512: hashFn('sha512'),
  sha512_224: hashFn('sha512-224'),
  sha512_256: hashFn('sha512-256'),
  ripemd160: hashFn('ripemd160'),
  hmac: (a: string, secret: BinaryLike | ArrayBuffer, data: BinaryLike | ArrayBuffer, enc?: string) =>
    digest(createHmac(algo(a), toData(secret)).update(toData(data)), enc),
  createHash: (a: string) => {
    const h = createHash(algo(a));
    return {
      update(d: BinaryLike | ArrayBuffer) {
        h.update(toData(d));
        return this;
      },
      digest: (enc?: string) => digest(h, enc),
    };
  },
  createHMAC: (a: string, secret: BinaryLike | ArrayBuffer) => {
    const h = createHmac(algo(a), toData(secret));
    return {
      update(d: BinaryLike | ArrayBuffer) {
        h.update(toData(d));
        return this;
      },
      digest: (enc?: string) => digest(h, enc),
    };
  },
  randomBytes: (n: number) => {
    const b = randomBytes(n);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  },
};

const timers = { setTimeout, clearTimeout, setInterval, clearInterval };
const k6Summary = { textSummary, jUnit };

/** https://jslib.k6.io/k6-utils/…: the helpers scripts import, as jslib defines them. */
const k6Utils = {
  randomIntBetween: (min: number, max: number) => Math.floor(Math.random() * (max - min + 1) + min),
  randomItem: <T>(arr: readonly T[]) => arr[Math.floor(Math.random() * arr.length)],
  randomString: (length: number, charset = 'abcdefghijklmnopqrstuvwxyz') => {
    let s = '';
    for (let i = 0; i < length; i++) s += charset.charAt(Math.floor(Math.random() * charset.length));
    return s;
  },
  /** v4 UUIDs from the system's secure source, asked for or not */
  uuidv4: () => randomUUID(),
  findBetween: (content: string, left: string, right: string, repeat = false) => {
    const out: string[] = [];
    let from = 0;
    for (;;) {
      const a = content.indexOf(left, from);
      if (a < 0) break;
      const b = content.indexOf(right, a + left.length);
      if (b < 0) break;
      out.push(content.slice(a + left.length, b));
      if (!repeat) return out[0];
      from = b + right.length;
    }
    return repeat ? out : null;
  },
};

/** One VU's imports: module and export → value. */
export function vuModules(port: VuPort, shared: SharedState): (module: string, name: string) => unknown {
  let http: K6Http | undefined;
  const httpOf = (): K6Http =>
    (http ??= new K6Http({ http: port.http ?? initClient, hasHost: port.hasHost, jar: port.jar, options: port.options, tags: port.tags }));
  const startedAt = Date.now();
  const execution = {
    vu: {
      get idInTest() {
        return port.vu;
      },
      get idInInstance() {
        return port.vu;
      },
      get iterationInInstance() {
        return port.iteration();
      },
      get iterationInScenario() {
        return port.iteration();
      },
      tags: {} as Record<string, string>,
      metrics: { tags: {} as Record<string, string>, metadata: {} as Record<string, string> },
    },
    scenario: {
      get name() {
        return port.scenario ?? 'default';
      },
      get executor() {
        return port.options.scenarios?.[port.scenario ?? '']?.executor ?? 'ramping-vus';
      },
      get startTime() {
        return startedAt;
      },
      get iterationInInstance() {
        return port.iteration();
      },
      get iterationInTest() {
        return port.iterationInTest();
      },
      get progress(): never {
        throw new Error('k6/execution scenario.progress is not supported by Volley yet');
      },
    },
    instance: {
      get currentTestRunDuration() {
        return Date.now() - startedAt;
      },
    },
    test: {
      abort: (reason?: string) => port.abort(reason ?? 'test.abort() was called'),
      get options() {
        return port.options;
      },
    },
  };
  // the group the VU is in (k6's ::a::b): a check made there carries it, as in k6
  let groupPath = '';
  let metrics: typeof PLAIN_METRICS | undefined;
  const group = async <T>(n: string, fn: () => T): Promise<Awaited<T>> => {
    const outer = groupPath;
    groupPath = `${outer}::${n}`;
    try {
      return (await port.group(n, fn)) as Awaited<T>;
    } finally {
      groupPath = outer;
    }
  };
  const table: Record<K6Module, (name: string) => unknown> = {
    k6: (name) => {
      const k6 = {
        check: (v: unknown, sets: Record<string, unknown>, tags?: Record<string, string>) =>
          check(v, sets, port.tags || groupPath ? { ...port.tags, ...(groupPath ? { group: groupPath } : {}), ...tags } : tags),
        sleep: (s: number) => port.sleep(s),
        group,
        fail: (msg = '') => {
          throw new Error(msg);
        },
        randomSeed: () => {
          throw new Error('randomSeed() is not supported by Volley: Math.random cannot be seeded');
        },
      };
      return name === 'default' || name === '*' ? k6 : (k6 as Record<string, unknown>)[name];
    },
    'k6/http': (name) => {
      const h = httpOf();
      if (name === 'default' || name === '*') return h;
      if (name === 'expectedStatuses') return expectedStatuses;
      const v = (h as unknown as Record<string, unknown>)[name];
      return typeof v === 'function' && name !== 'CookieJar' && name !== 'TaggedUrl' ? (v as (...a: unknown[]) => unknown).bind(h) : v;
    },
    'k6/metrics': (name) => {
      const m = (metrics ??= port.tags ? taggedMetrics(port.tags) : PLAIN_METRICS);
      return name === 'default' || name === '*' ? m : (m as Record<string, unknown>)[name];
    },
    'k6/execution': (name) => (name === 'default' || name === '*' ? execution : (execution as Record<string, unknown>)[name]),
    'k6/data': (name) => {
      class SharedArray {
        constructor(arrayName: string, fn: () => unknown[]) {
          if (typeof fn !== 'function') throw new TypeError('new SharedArray(name, fn): fn must be a function returning an array');
          let arr = shared.arrays.get(arrayName);
          if (!arr) {
            const made = fn();
            if (!Array.isArray(made)) throw new TypeError(`SharedArray "${arrayName}": the function must return an array`);
            shared.arrays.set(arrayName, (arr = deepFreeze(made)));
          }
          // biome-ignore lint/correctness/noConstructorReturn: k6's SharedArray is the frozen array itself, shared by every VU
          return arr as unknown as SharedArray;
        }
      }
      return name === 'default' || name === '*' ? { SharedArray } : name === 'SharedArray' ? SharedArray : undefined;
    },
    'k6/encoding': (name) => {
      const e = { b64encode, b64decode };
      return name === 'default' || name === '*' ? e : (e as Record<string, unknown>)[name];
    },
    'k6/crypto': (name) => (name === 'default' || name === '*' ? crypto : (crypto as Record<string, unknown>)[name]),
    'k6/timers': (name) => (name === 'default' || name === '*' ? timers : (timers as Record<string, unknown>)[name]),
    'jslib:k6-utils': (name) => (name === 'default' || name === '*' ? k6Utils : (k6Utils as Record<string, unknown>)[name]),
    'jslib:k6-summary': (name) => (name === 'default' || name === '*' ? k6Summary : (k6Summary as Record<string, unknown>)[name]),
  };
  return (module, name) => {
    const get = table[module as K6Module];
    if (!get) throw new Error(`${module} is not supported by Volley`);
    const v = get(name);
    if (v === undefined) throw new Error(`${module} has no export "${name}" in Volley`);
    return v;
  };
}

/** In the init context a request is an error, as in k6. */
const initClient: HttpClient = new Proxy({} as HttpClient, {
  get: () => () =>
    Promise.reject(
      new Error(
        "making requests in the init context is not supported (k6 allows them in default, setup, teardown and scenarios' functions)",
      ),
    ),
});
