import type { ScenarioBundle } from '@volley/shared';
import { isHttpToken, VolleyError } from '@volley/shared';

export interface AdhocOptions {
  users: number;
  rate?: number;
  runTimeMs: number;
  /** default GET */
  method?: string;
  /** "Name: value", as curl and hey take them */
  headers?: readonly string[];
  body?: string;
}

/** `--header` values as an object; refuses one that is not "Name: value". */
function headerObject(lines: readonly string[]): Record<string, string> | undefined {
  if (lines.length === 0) return undefined;
  const out: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    if (colon < 0 || !isHttpToken(name))
      throw new VolleyError('VOLLEY_BAD_OPTION', `--header ${JSON.stringify(line)}: expected "Name: value"`);
    out[name] = line.slice(colon + 1).trim();
  }
  return out;
}

/**
 * The ad-hoc mode (`volley run --url URL`), as autocannon and hey have it:
 * one URL, GET (or --method, --header, --body), no think time. A generated
 * scenario, so it runs through the same path as any other; with --rate it
 * is a constant arrival rate (open model, timed from each request's due
 * moment).
 */
export function adhocScenario(url: string, opts: AdhocOptions): { bundle: ScenarioBundle; host: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VolleyError('VOLLEY_BAD_OPTION', `--url ${url}: not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new VolleyError('VOLLEY_BAD_OPTION', `--url ${url}: only http and https`);
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--rate must be above 0, got ${opts.rate}`);
  const method = (opts.method ?? 'GET').toUpperCase();
  if (!isHttpToken(method)) throw new VolleyError('VOLLEY_BAD_OPTION', `--method ${JSON.stringify(opts.method)}: not an HTTP method`);
  const path = u.pathname + u.search;
  const request = { name: path, headers: headerObject(opts.headers ?? []), body: opts.body };
  const options =
    opts.rate === undefined
      ? { scenarios: { adhoc: { executor: 'constant-vus', vus: opts.users, duration: `${opts.runTimeMs}ms` } } }
      : {
          scenarios: {
            adhoc: {
              executor: 'constant-arrival-rate',
              rate: opts.rate,
              timeUnit: '1s',
              duration: `${opts.runTimeMs}ms`,
              preAllocatedVUs: opts.users,
              maxVUs: opts.users,
              // --users bounds the connections, not the truth: a request due while all are busy waits, timed from when it was due (wrk2)
              queue: true,
            },
          },
        };
  const code = `export const options = ${JSON.stringify(options)};
const request = Object.freeze(${JSON.stringify(request)});
export default async function ({ http }) { await http.request(${JSON.stringify(method)}, ${JSON.stringify(path)}, request); }
`;
  return { bundle: { name: `--url ${u.href}`, code }, host: u.origin };
}
