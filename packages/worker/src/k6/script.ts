import { VolleyError, errorMessage, hasHost } from '@volley/shared';
import type { K6Options, PerVuSource, ScenarioDefinition, SetupContext, UserContext } from '@volley/shared/scenario';
import type { VuHttpClient } from '../http/client.js';
import { k6each } from './each.js';
import { SharedState, vuModules, type VuPort } from './modules.js';

/**
 * A k6 script as the bundler ships it (coordinator/src/k6/): its module
 * body as a factory, run once per VU so that each VU has its own module
 * state, as in k6, and the files it open()s.
 */
export interface K6Script {
  readonly volley: 'k6';
  readonly factory: Factory;
  /** open()'s files, by the path the script wrote: base64 */
  readonly files: Readonly<Record<string, string>>;
  /** script options Volley does not follow, named at start */
  readonly ignoredOptions?: readonly string[];
}

type Factory = (
  k6: (module: string, name: string) => unknown,
  env: Readonly<Record<string, string | undefined>>,
  vu: number,
  open: (path: string, mode?: string) => string | ArrayBuffer,
  each: typeof k6each,
  console: Console,
) => Promise<Instance>;

/**
 * A script's console, as k6's: every level reaches stderr (a worker's
 * stdout is not shown). It calls the process's console when called, so
 * that setup()'s and teardown()'s output is still captured and shown once.
 */
const scriptConsole = {
  log: (...a: unknown[]) => console.error(...a),
  info: (...a: unknown[]) => console.error(...a),
  debug: (...a: unknown[]) => console.error(...a),
  warn: (...a: unknown[]) => console.warn(...a),
  error: (...a: unknown[]) => console.error(...a),
} as unknown as Console;

interface Instance {
  readonly exports: Readonly<Record<string, unknown>>;
  setIter(i: number): void;
}

export const isK6Script = (v: unknown): v is K6Script => typeof v === 'object' && v !== null && (v as { volley?: unknown }).volley === 'k6';

/** k6's options Volley follows; any other is named at start (ignoredK6Options). */
const HONOURED_OPTIONS = new Set([
  'stages',
  'vus',
  'duration',
  'iterations',
  'scenarios',
  'thresholds',
  'maxRedirects',
  'userAgent',
  'insecureSkipTLSVerify',
  'discardResponseBodies',
  'summaryTrendStats',
  'setupTimeout',
  'teardownTimeout',
  'noConnectionReuse',
  'batch',
  'batchPerHost',
  'tags',
]);

/** k6's options.tags (the whole test's) under a scenario's own: on requests, checks and custom metrics. */
function testTags(
  options: Readonly<Record<string, unknown>>,
  scenario?: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> | undefined {
  const o = options.tags;
  if (o === undefined || o === null) return scenario;
  if (typeof o !== 'object') throw new TypeError('options.tags must be an object of tag names to values');
  const tags = Object.fromEntries(Object.entries(o).map(([k, v]) => [k, String(v)]));
  return scenario ? { ...tags, ...scenario } : tags;
}

/** The script options Volley cannot honour. */
export function ignoredK6Options(options: Record<string, unknown>): string[] {
  return Object.keys(options).filter((k) => !HONOURED_OPTIONS.has(k) && options[k] !== undefined);
}

class AbortTest extends Error {
  override readonly name = 'AbortTest';
}

/** A k6 script as a scenario: every VU its own instance of the script. */
export async function k6Definition(
  script: K6Script,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ScenarioDefinition> {
  const shared = new SharedState();
  const files = new Map(Object.entries(script.files).map(([k, v]) => [k, Buffer.from(v, 'base64')]));
  const open = (path: string, mode?: string): string | ArrayBuffer => {
    const b = files.get(path);
    if (!b)
      throw new Error(
        `open('${path}'): Volley ships the files a script opens with a literal path at its top level; this one was not among them`,
      );
    return mode === 'b' ? (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer) : b.toString('utf8');
  };
  let options: K6Options & Record<string, unknown> = {};
  const instantiate = async (port: VuPort): Promise<Instance> =>
    script.factory(vuModules(port, shared), port.env ?? env, port.vu, open, k6each, scriptConsole);
  const hookPort = (http: VuHttpClient | undefined, hasHost: boolean): VuPort => ({
    vu: 0,
    http,
    jar: http?.jar,
    hasHost,
    options,
    tags: testTags(options),
    sleep: (s) => new Promise((r) => setTimeout(r, Math.max(0, s * 1000))),
    group: async (_name, fn) => fn(),
    iteration: () => 0,
    iterationInTest: () => 0,
    abort: (reason) => {
      throw new AbortTest(reason);
    },
  });
  let probe: Instance;
  try {
    probe = await instantiate(hookPort(undefined, true));
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: the init code threw: ${errorMessage(err)}`, { cause: err });
  }
  const o = probe.exports.options;
  if (o !== undefined && (typeof o !== 'object' || o === null))
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: \`options\` must be an object`);
  options = (o ?? {}) as typeof options;
  const fn = (name: string): ((...a: unknown[]) => unknown) | undefined => {
    const v = probe.exports[name];
    if (v !== undefined && typeof v !== 'function')
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: export ${name} must be a function`);
    return v as ((...a: unknown[]) => unknown) | undefined;
  };
  const execNames = Object.keys(probe.exports).filter(
    (k) => !['options', 'setup', 'teardown', 'handleSummary'].includes(k) && typeof probe.exports[k] === 'function',
  );
  if (!fn('default') && !options.scenarios)
    throw new VolleyError(
      'VOLLEY_BAD_SCENARIO',
      `${file}: has no default function to run (export default function () { … }) and no options.scenarios`,
    );
  const hook = (name: 'setup' | 'teardown') =>
    fn(name) &&
    (async (ctx: SetupContext) => {
      const inst = await instantiate(hookPort(ctx.http as VuHttpClient, hasHost(ctx.host)));
      return (inst.exports[name] as (d?: unknown) => unknown)(ctx.data);
    });
  const handleSummary = fn('handleSummary');
  const perVu: PerVuSource = (exec) => {
    const name = exec ?? 'default';
    if (!execNames.includes(name)) throw new Error(`${file}: exec "${name}" is not an exported function`);
    return {
      name,
      onStart: async (ctx) => {
        let iter = 0;
        let current = 0;
        const c = ctx as UserContext<undefined> & {
          scenario?: string;
          host?: string;
          abortRun?: (reason: string) => void;
          tags?: Readonly<Record<string, string>>;
          nextIterationInTest?: () => number;
        };
        let inTest = 0;
        const http = c.http as VuHttpClient;
        const inst = await instantiate({
          vu: c.vu,
          http,
          jar: http.jar,
          hasHost: c.host === undefined || hasHost(c.host),
          options,
          scenario: c.scenario,
          env: c.env,
          tags: testTags(options, c.tags),
          sleep: (s) => c.sleep(s),
          group: (g, f) => c.group(g, f),
          iteration: () => current,
          iterationInTest: () => inTest,
          abort: (reason) => {
            c.abortRun?.(reason);
            throw new AbortTest(reason);
          },
        });
        const run = inst.exports[name] as (data: unknown) => unknown;
        return {
          next: (data: unknown) => {
            inst.setIter((current = iter++));
            inTest = c.nextIterationInTest?.() ?? current;
            return run(data);
          },
        };
      },
      iterate: (ctx) => (ctx.state as { next(d: unknown): unknown }).next(ctx.data) as Promise<void>,
    };
  };
  return {
    volley: 1,
    options,
    thresholds: options.thresholds,
    users: [
      {
        name: 'default',
        tasks: [
          {
            name: 'default',
            run: () => {
              throw new Error('k6 scripts run through perVu');
            },
          },
        ],
      },
    ],
    perVu,
    exec: Object.fromEntries(execNames.map((n) => [n, () => undefined])),
    setup: hook('setup') || undefined,
    teardown: hook('teardown') || undefined,
    handleSummary: handleSummary && ((data) => handleSummary(data) as ReturnType<NonNullable<ScenarioDefinition['handleSummary']>>),
    k6Ignored: script.ignoredOptions ?? ignoredK6Options(options),
  };
}
