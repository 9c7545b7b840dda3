import { isLoopbackHost } from '@volley/shared';

/**
 * What a browser could make a coordinator do without its user meaning it,
 * refused before any route runs (pure: request headers in, a refusal or
 * nothing out). Credentials never ride implicitly (no cookies: the
 * dashboard sends its session in a header), so a page on another origin
 * has nothing to present; what is left to close is:
 * - DNS rebinding of a tokenless coordinator: a page on attacker.example
 *   whose name now resolves to 127.0.0.1 is same-origin with it. A
 *   tokenless coordinator listens on loopback only and answers only to
 *   loopback names.
 * - Simple cross-origin requests (a form, a `no-cors` fetch) reach a
 *   tokenless coordinator: they cannot carry `content-type:
 *   application/json` without a preflight that is never answered, so every
 *   POST must carry it; an Origin, where a browser sends one, must be the
 *   coordinator's own.
 * - WebSockets are not bound by the same-origin policy: browsers always
 *   send Origin on the upgrade, workers never do, so an upgrade with one is
 *   refused.
 */
export interface Refusal {
  status: 400 | 403 | 415;
  message: string;
}

export interface GuardedRequest {
  method?: string;
  headers: { host?: string; origin?: string; 'content-type'?: string; upgrade?: string };
}

/** The host name of a Host header (`[::1]:80` → `::1`), or undefined if it is not one. */
export function hostName(host: string | undefined): string | undefined {
  if (!host) return undefined;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::\d{1,5})?$/.exec(host.trim());
  return m ? m[1]!.replace(/^\[|\]$/g, '').toLowerCase() : undefined;
}

/** loopback, as a name: `localhost`, `*.localhost` (RFC 6761), 127/8, ::1 */
function loopbackName(name: string): boolean {
  return isLoopbackHost(name) || name.endsWith('.localhost');
}

export function guardRequest(req: GuardedRequest, o: { tokenless: boolean; secure: boolean }): Refusal | undefined {
  const host = req.headers.host;
  const name = hostName(host);
  if (!name) return { status: 400, message: 'missing or malformed Host header' };
  if (o.tokenless && !loopbackName(name)) {
    return {
      status: 403,
      message: `Host ${host} is not a loopback name: a coordinator without a token answers only to localhost, 127.0.0.0/8 and [::1]`,
    };
  }
  if (req.headers.upgrade !== undefined) {
    if (req.headers.origin !== undefined)
      return { status: 403, message: 'WebSocket upgrades from web pages are refused (the request has an Origin); workers send none' };
    return undefined;
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http${o.secure ? 's' : ''}://${host}`) {
    // a cross-origin read is already blocked by the browser; a cross-origin write must not reach a route
    if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 403, message: `cross-origin request from ${origin} refused` };
  }
  if (req.method === 'POST' && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return { status: 415, message: 'POST bodies must be sent as content-type: application/json' };
  }
  return undefined;
}
