import type { ClusterStatus, RunStatus } from '../cluster/cluster.js';
import type { RunSummary } from '../aggregate/summary.js';
import type { ScaleBody, StartRunBody } from './schema.js';
import { VolleyError } from '@volley/shared';
import { Agent, request, type Dispatcher } from 'undici';

/** A typed client of the coordinator's control API. */
export class ControlClient {
  private readonly dispatcher?: Dispatcher;

  /** `ca`: a PEM CA to trust for an https coordinator (e.g. a self-signed one). */
  constructor(
    private readonly base: string,
    private readonly token?: string,
    ca?: string,
  ) {
    if (ca) this.dispatcher = new Agent({ connect: { ca } });
  }

  // undici's request, not fetch: fetch refuses the ports its standard bars
  // (6000, 6665–6669, 10080, …), and a coordinator may listen on any
  private async call<T>(method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // every POST is JSON, with or without a body: the coordinator refuses others (request-guard.ts)
    if (method === 'POST') body ??= {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    let status: number;
    let text: string;
    try {
      const res = await request(new URL(path, this.base), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.dispatcher,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw new VolleyError(
        'VOLLEY_RUN_STATE',
        `cannot reach the coordinator at ${this.base}: ${(err as Error).cause ? String(((err as Error).cause as Error).message ?? (err as Error).cause) : (err as Error).message}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = { error: text };
    }
    if (status < 200 || status > 299) {
      const msg = (json as { error?: string }).error ?? `HTTP ${status}`;
      // 400: what we asked was refused as bad input (exit 2); 409: not now, given the run's state
      throw new VolleyError(
        status === 401 ? 'VOLLEY_UNAUTHORIZED' : status === 400 ? 'VOLLEY_BAD_OPTION' : 'VOLLEY_RUN_STATE',
        `coordinator answered ${status}: ${msg}`,
      );
    }
    return json as T;
  }

  status(): Promise<ClusterStatus> {
    return this.call('GET', '/api/status');
  }

  start(body: StartRunBody): Promise<{ id: string }> {
    return this.call('POST', '/api/runs', body);
  }

  scale(body: ScaleBody): Promise<RunStatus> {
    return this.call('POST', '/api/runs/current/scale', body);
  }

  stop(): Promise<RunStatus> {
    return this.call('POST', '/api/runs/current/stop');
  }

  run(id: string): Promise<{ status: RunStatus; summary?: RunSummary }> {
    return this.call('GET', `/api/runs/${encodeURIComponent(id)}`);
  }
}
