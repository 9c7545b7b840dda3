import { isHttpToken } from '@volley/shared';

/**
 * The pure half of our HTTP/1.1 connection: a request's head as bytes for
 * the wire, refused with a clear error when it could not be sent as
 * asked, and a response's header list as the object a scenario reads.
 */

export type RequestHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;
export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** A request that cannot be written as asked; thrown before anything is sent. Its message is the failure's reason. */
export class InvalidRequestError extends Error {}

// a value holds tabs and latin1's visible characters: never CR, LF or NUL (header injection), nor what latin1 cannot carry
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
// the path goes on the request line as it is: no spaces or control characters
const BAD_PATH = /[\0-\x20\x7f]/;
/** framing and connection headers are ours to write; a scenario setting them would desync the connection */
const RESERVED = new Set(['transfer-encoding', 'upgrade', 'keep-alive', 'expect']);

function checkValue(name: string, value: string): string {
  if (BAD_VALUE.test(value))
    throw new InvalidRequestError(
      `header ${JSON.stringify(name)} has a control character (CR, LF, NUL …) or a character beyond latin1 in its value`,
    );
  return value;
}

export interface Head {
  /** the head, latin1, ending in the blank line */
  text: string;
  /** the connection is to close after this response (the scenario sent `connection: close`) */
  close: boolean;
}

/**
 * The head of one request: request line, host, the scenario's headers and
 * the body's length. Throws InvalidRequestError naming what is wrong.
 */
export function requestHead(
  method: string,
  path: string,
  host: string,
  headers: RequestHeaders | undefined,
  bodyBytes: number | undefined,
): Head {
  if (!isHttpToken(method)) throw new InvalidRequestError(`method ${JSON.stringify(method)} is not an HTTP token`);
  if (path[0] !== '/' && path !== '*') throw new InvalidRequestError(`path ${JSON.stringify(path)} must start with /`);
  if (BAD_PATH.test(path)) throw new InvalidRequestError(`path ${JSON.stringify(path)} has a space or a control character; encode it`);
  let text = `${method} ${path} HTTP/1.1\r\n`;
  let hostSet = false;
  let close = false;
  let lengthSet = false;
  if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value === undefined) continue;
      if (!isHttpToken(name)) throw new InvalidRequestError(`header name ${JSON.stringify(name)} is not an HTTP token`);
      const lower = name.toLowerCase();
      if (RESERVED.has(lower)) throw new InvalidRequestError(`header ${JSON.stringify(name)} is set by the client; remove it`);
      if (lower === 'content-length') {
        if (String(value) !== String(bodyBytes ?? 0))
          throw new InvalidRequestError(`header content-length is ${String(value)} but the body has ${bodyBytes ?? 0} bytes`);
        lengthSet = true;
      } else if (lower === 'host') hostSet = true;
      else if (lower === 'connection') {
        const v = String(value).toLowerCase();
        if (v !== 'close' && v !== 'keep-alive')
          throw new InvalidRequestError(`header connection must be close or keep-alive, not ${JSON.stringify(value)}`);
        close = v === 'close';
      }
      if (typeof value === 'string') text += `${name}: ${checkValue(name, value)}\r\n`;
      else for (const v of value) text += `${name}: ${checkValue(name, v)}\r\n`;
    }
  }
  if (!hostSet) text = `${text}host: ${host}\r\n`;
  if (bodyBytes !== undefined && !lengthSet) text += `content-length: ${bodyBytes}\r\n`;
  return { text: `${text}\r\n`, close };
}

// a target sends the same few names on every response: their lower case is
// looked up, not made again (and the key is already internalized)
const lowerNames = new Map<string, string>();
function lower(name: string): string {
  let l = lowerNames.get(name);
  if (l === undefined) {
    l = name.toLowerCase();
    if (lowerNames.size < 1024) lowerNames.set(name, l);
  }
  return l;
}

/**
 * Response headers from the parser's flat [name, value, …] list: names in
 * lower case; a name that comes more than once (set-cookie) gets an array.
 */
export function responseHeaders(flat: readonly string[]): ResponseHeaders {
  const out: ResponseHeaders = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = lower(flat[i]!);
    const value = flat[i + 1]!;
    const had = out[name];
    if (had === undefined) out[name] = value;
    else if (typeof had === 'string') out[name] = [had, value];
    else had.push(value);
  }
  return out;
}

/**
 * One header's value from the parser's flat list without building the
 * object (most responses are never asked for theirs): a string, an array
 * when the name comes more than once, undefined when it does not.
 * `name` is in lower case.
 */
export function headerIn(flat: readonly string[], name: string): string | string[] | undefined {
  let out: string | string[] | undefined;
  for (let i = 0; i < flat.length; i += 2) {
    const n = flat[i]!;
    if (n.length !== name.length || lower(n) !== name) continue;
    const v = flat[i + 1]!;
    if (out === undefined) out = v;
    else if (typeof out === 'string') out = [out, v];
    else out.push(v);
  }
  return out;
}

/**
 * How long the server keeps an idle connection, from its `keep-alive:
 * timeout=N` hint, in ms; undefined without one.
 */
export function keepAliveHintMs(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const m = /(?:^|[,;\s])timeout=(\d+)/i.exec(v);
  return m ? Number(m[1]) * 1000 : undefined;
}
