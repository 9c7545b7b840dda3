import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import { bearerToken, errorMessage, tokenMatches } from '@volley/shared';
import type { Cluster } from '../cluster/cluster.js';
import { renderDashboard } from '../dashboard/page.js';
import type { ScenarioCatalog } from '../dashboard/scenarios.js';
import type { DashboardSessions } from '../dashboard/sessions.js';
import { renderHtml, runSections, type HtmlAssets } from '../report/html.js';
import { renderK6Json } from '../report/k6-json.js';
import { renderLocustStatsCsv } from '../report/locust-csv.js';
import { loadHtmlAssets } from '../report/write.js';
import { HttpError, parseBody, send } from './http-io.js';
import { DashboardFormSchema, ScaleBodySchema, StartRunBodySchema } from './schema.js';

/** the dashboard's tables, redrawn every second: the busiest workers only */
const LIVE_SECTIONS = { requestsId: 'live-requests', maxWorkers: 50 };

/** What the routes work with, made once per server. */
export interface RouteDeps {
  cluster: Cluster;
  catalog: ScenarioCatalog;
  sessions: DashboardSessions;
  token?: string;
}

export interface RouteCall {
  req: IncomingMessage;
  res: ServerResponse;
  /** the path's captures */
  params: string[];
}

export interface Route {
  method: 'GET' | 'POST';
  path: string | RegExp;
  /** open: anyone past the request guard; token: the control token or a dashboard session */
  access: 'open' | 'token';
  handle(call: RouteCall): Promise<void> | void;
}

/** The control API, one row per resource and method, in the order they are matched. */
export function controlRoutes(deps: RouteDeps): Route[] {
  const { cluster, catalog, sessions, token } = deps;
  let assets: HtmlAssets | undefined;
  // prom-client loads on the first scrape, not with every coordinator
  let metrics: Registry | undefined;
  return [
    {
      // the page holds nothing secret: it asks for its data with the session it makes from /?token=…
      method: 'GET',
      path: '/',
      access: 'open',
      async handle({ res }) {
        assets ??= await loadHtmlAssets();
        res.writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'cache-control': 'no-store',
        });
        res.end(renderDashboard(assets));
      },
    },
    {
      method: 'POST',
      path: '/api/session',
      access: 'open',
      handle({ req, res }) {
        if (!token) return send(res, 200, { session: null });
        if (!tokenMatches(bearerToken(req.headers.authorization), token)) throw new HttpError(401, 'wrong token');
        send(res, 201, { session: sessions.create(Date.now()) });
      },
    },
    {
      method: 'GET',
      path: '/api/dashboard',
      access: 'token',
      async handle({ res }) {
        send(res, 200, { scenarios: await catalog.list(), defaults: catalog.defaults });
      },
    },
    {
      method: 'GET',
      path: '/api/events',
      access: 'token',
      handle({ req, res }) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const push = (): void => {
          const summary = cluster.liveSummary();
          res.write(
            `data: ${JSON.stringify({ status: cluster.status(), summary, sections: summary && runSections(summary, LIVE_SECTIONS) })}\n\n`,
          );
        };
        push();
        const timer = setInterval(push, 1000);
        req.on('close', () => clearInterval(timer));
      },
    },
    {
      method: 'GET',
      path: '/api/scenarios',
      access: 'token',
      async handle({ res }) {
        send(res, 200, { scenarios: await catalog.list() });
      },
    },
    {
      method: 'POST',
      path: '/api/runs/from-dashboard',
      access: 'token',
      async handle({ req, res }) {
        const form = await parseBody(req, DashboardFormSchema);
        // a scenario that will not bundle or check is the form's bad input, whatever threw
        const body = await catalog.prepare(form).then(
          (p) => p.body,
          (err: unknown) => {
            throw new HttpError(400, errorMessage(err));
          },
        );
        send(res, 202, { id: cluster.start(body as Parameters<Cluster['start']>[0]).id });
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runs\/([\w.:-]+)\/(report\.html|summary\.json|stats\.csv)$/,
      access: 'token',
      async handle({ res, params: [id, file] }) {
        const summary = cluster.runById(id!)?.summary;
        if (!summary) throw new HttpError(404, `no finished run ${id}`);
        const [type, text] =
          file === 'report.html'
            ? ['text/html; charset=utf-8', renderHtml(summary, (assets ??= await loadHtmlAssets()))]
            : file === 'summary.json'
              ? ['application/json', renderK6Json(summary)]
              : ['text/csv', renderLocustStatsCsv(summary)];
        res.writeHead(200, { 'content-type': type, 'content-disposition': `attachment; filename="${summary.run.id}-${file}"` });
        res.end(text);
      },
    },
    { method: 'GET', path: '/api/status', access: 'token', handle: ({ res }) => send(res, 200, cluster.status()) },
    {
      method: 'GET',
      path: '/metrics',
      access: 'token',
      async handle({ res }) {
        metrics ??= (await import('./prometheus.js')).prometheusRegistry(cluster);
        const text = await metrics.metrics();
        res.writeHead(200, { 'content-type': metrics.contentType });
        res.end(text);
      },
    },
    {
      method: 'POST',
      path: '/api/runs',
      access: 'token',
      async handle({ req, res }) {
        send(res, 202, { id: cluster.start(await parseBody(req, StartRunBodySchema)).id });
      },
    },
    {
      method: 'POST',
      path: '/api/runs/current/scale',
      access: 'token',
      async handle({ req, res }) {
        const { users, spawnRate } = await parseBody(req, ScaleBodySchema);
        send(res, 200, cluster.scale(users, spawnRate));
      },
    },
    {
      method: 'POST',
      path: '/api/runs/current/stop',
      access: 'token',
      handle({ res }) {
        const status = cluster.stop('stopped through the API');
        if (!status) throw new HttpError(409, 'no run in progress');
        send(res, 202, status);
      },
    },
    {
      method: 'GET',
      path: /^\/api\/runs\/([\w.:-]+)$/,
      access: 'token',
      handle({ res, params: [id] }) {
        const run = cluster.runById(id!);
        if (!run) throw new HttpError(404, `no run ${id}`);
        send(res, 200, run);
      },
    },
  ];
}

/** The route for this method and path, with the path's captures. */
export function matchRoute(
  routes: readonly Route[],
  method: string | undefined,
  path: string,
): { route: Route; params: string[] } | undefined {
  for (const route of routes) {
    if (route.method !== method) continue;
    if (typeof route.path === 'string') {
      if (route.path === path) return { route, params: [] };
      continue;
    }
    const m = route.path.exec(path);
    if (m) return { route, params: m.slice(1) };
  }
  return undefined;
}
