import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { startDidServer } from '../demo/did-server.js';
import type { RunSummary } from '../aggregate/summary.js';
import { runLocally } from './local-run.js';
import { shipped } from '../shipped.js';

/** One of the guide's examples (the locustfile, or its k6 script as it is): shipped with the built CLI, or this checkout's (run from source). */
export function exampleScenario(file: 'locustfile.ts' | 'k6-test.js' = 'locustfile.ts'): string {
  return shipped(`examples/did-api/${file}`) ?? fileURLToPath(new URL(`../../../../examples/did-api/${file}`, import.meta.url));
}

/** Route of the sample server each request name of the guide's scenario goes to. */
const ROUTE_OF: Record<string, string> = {
  health_check: 'GET /health',
  enroll_biometric: 'POST /api/v1/did/enroll',
  verify_biometric: 'POST /api/v1/did/verify',
};

/** Compares what the server answered per route with what the report counted. */
export function compareWithServer(
  summary: RunSummary,
  serverTotals: Record<string, number>,
): { route: string; report: number; server: number }[] {
  const rows = new Map<string, { route: string; report: number; server: number }>();
  for (const r of summary.requests) {
    // a k6 script names its requests by their URLs
    const route = ROUTE_OF[r.name] ?? `${r.method} ${/^https?:\/\//.test(r.name) ? new URL(r.name).pathname : r.name}`;
    rows.set(route, { route, report: r.count, server: serverTotals[route] ?? 0 });
  }
  for (const [route, n] of Object.entries(serverTotals)) if (!rows.has(route)) rows.set(route, { route, report: 0, server: n });
  return [...rows.values()];
}

export interface DemoOptions {
  workers: number;
  log: Logger;
}

/**
 * The guide's scenario against the bundled sample server, with two local
 * workers; with `k6`, the guide's k6 script as it is, under k6's load flags
 * (its API_URL pointed at the server).
 */
export async function runDemo(
  o: DemoOptions & { body: Parameters<typeof runLocally>[0]['body']; journalDir?: string; k6?: { vus: number; duration: string } },
): Promise<{ summary: RunSummary; compared: ReturnType<typeof compareWithServer> }> {
  const target = await startDidServer();
  try {
    const k6 = o.k6;
    const body = k6 ? { ...o.body, env: { ...o.body.env, API_URL: target.url } } : { ...o.body, host: target.url };
    const plan = k6 ? { explicitLoad: false, timeScale: 1, k6 } : undefined;
    const { summary } = await runLocally({
      scenarioFile: exampleScenario(k6 ? 'k6-test.js' : 'locustfile.ts'),
      workers: o.workers,
      body,
      plan,
      log: o.log,
      progressEveryMs: 5000,
      journalDir: o.journalDir,
    });
    return { summary, compared: compareWithServer(summary, target.totals()) };
  } finally {
    await target.close();
  }
}
