import type { ScenarioBundle } from '@volley/shared';
import { VolleyError } from '@volley/shared';

/**
 * The ad-hoc mode (`volley run --url URL`), as autocannon and hey have it:
 * one URL, GET, no think time. A generated scenario, so it runs through
 * the same path as any other; with --rate it is a constant arrival rate
 * (open model, timed from each request's due moment).
 */
export function adhocScenario(url: string, opts: { users: number; rate?: number; runTimeMs: number }): { bundle: ScenarioBundle; host: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VolleyError('VOLLEY_BAD_OPTION', `--url ${url}: not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new VolleyError('VOLLEY_BAD_OPTION', `--url ${url}: only http and https`);
  if (opts.rate !== undefined && !(opts.rate > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--rate must be above 0, got ${opts.rate}`);
  const path = JSON.stringify(u.pathname + u.search);
  const options = opts.rate === undefined
    ? { scenarios: { adhoc: { executor: 'constant-vus', vus: opts.users, duration: `${opts.runTimeMs}ms` } } }
    : { scenarios: { adhoc: { executor: 'constant-arrival-rate', rate: opts.rate, timeUnit: '1s', duration: `${opts.runTimeMs}ms`, preAllocatedVUs: opts.users, maxVUs: opts.users } } };
  const code = `export const options = ${JSON.stringify(options)};
export default async function ({ http }) { await http.get(${path}, { name: ${path} }); }
`;
  return { bundle: { name: `--url ${u.href}`, code }, host: u.origin };
}
