/**
 * k6's --http-debug: each request and its response as text, for a person
 * writing a scenario (`headers`: the heads; `full`: the bodies too). Pure:
 * what was sent and what came back in, text out.
 */
export type HttpDebugLevel = 'headers' | 'full';

/** bodies longer than this are cut, and say so: a debug line is for reading */
const MAX_BODY_SHOWN = 16 * 1024;

export interface DebugRequest {
  method: string;
  url: string;
  headers?: Readonly<Record<string, string>>;
  body?: string | Buffer;
}

export interface DebugResponse {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Buffer;
  durationMs: number;
  /** a transport failure (status 0) */
  error?: string;
}

function bodyText(body: string | Buffer): string {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  return text.length > MAX_BODY_SHOWN ? `${text.slice(0, MAX_BODY_SHOWN)}… (${text.length - MAX_BODY_SHOWN} more characters)` : text;
}

export function formatExchange(level: HttpDebugLevel, req: DebugRequest, res: DebugResponse): string {
  const lines = [`> ${req.method} ${req.url}`];
  for (const [k, v] of Object.entries(req.headers ?? {})) lines.push(`> ${k}: ${v}`);
  if (level === 'full' && req.body !== undefined && req.body.length > 0)
    lines.push(
      '>',
      ...bodyText(req.body)
        .split('\n')
        .map((l) => `> ${l}`),
    );
  if (res.error !== undefined) {
    lines.push(`< (no response: ${res.error}, after ${res.durationMs.toFixed(2)} ms)`);
  } else {
    lines.push(`< ${res.status} (${res.durationMs.toFixed(2)} ms)`);
    for (const [k, v] of Object.entries(res.headers))
      for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) lines.push(`< ${k}: ${one}`);
    if (level === 'full' && res.body.length > 0)
      lines.push(
        '<',
        ...bodyText(res.body)
          .split('\n')
          .map((l) => `< ${l}`),
      );
  }
  return `${lines.join('\n')}\n\n`;
}
