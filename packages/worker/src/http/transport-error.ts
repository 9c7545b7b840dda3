/**
 * Why a request got no response: a closed set of codes, the values of the
 * `error` tag in every report (the README lists them). The OS's own name
 * is kept where there is one (ECONNREFUSED, …); the rest are Volley's.
 */
export const TRANSPORT_ERRORS = {
  ECONNREFUSED: 'the target refused the connection: nothing listens there',
  ECONNRESET: 'the connection was closed before the response ended',
  EPIPE: 'the connection was closed while the request was being written',
  ETIMEDOUT: 'no complete response within the request timeout',
  CONNECT_TIMEOUT: 'no connection within the connect timeout',
  ENOTFOUND: 'the host name does not resolve',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  EADDRNOTAVAIL: 'no local address or port left to connect from',
  TLS_CERT: "a certificate was refused: the target's is not trusted, or names another host, or it asked for one",
  TLS_HANDSHAKE: 'the TLS handshake failed otherwise',
  BAD_RESPONSE: 'the target sent what is not an HTTP/1.1 response to this request',
  INTERRUPTED: 'the run stopped while the request was in flight',
  TRANSPORT_ERROR: 'any other failure below HTTP',
} as const;

export type TransportErrorCode = keyof typeof TRANSPORT_ERRORS;

/** A transport failure of Volley's own client, with its code. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly code: TransportErrorCode,
    message: string = TRANSPORT_ERRORS[code],
  ) {
    super(message);
  }
}

/** The OS's and Node's codes that have a code of their own here, or share one. */
const SYSTEM_CODES: Record<string, TransportErrorCode> = {
  ECONNREFUSED: 'ECONNREFUSED',
  ECONNRESET: 'ECONNRESET',
  ECONNABORTED: 'ECONNRESET',
  EPIPE: 'EPIPE',
  ETIMEDOUT: 'ETIMEDOUT',
  ERR_SOCKET_CONNECTION_TIMEOUT: 'CONNECT_TIMEOUT',
  ENOTFOUND: 'ENOTFOUND',
  EAI_AGAIN: 'ENOTFOUND',
  EAI_FAIL: 'ENOTFOUND',
  ENODATA: 'ENOTFOUND',
  EHOSTUNREACH: 'EHOSTUNREACH',
  EHOSTDOWN: 'EHOSTUNREACH',
  ENETUNREACH: 'ENETUNREACH',
  EADDRNOTAVAIL: 'EADDRNOTAVAIL',
  EPROTO: 'TLS_HANDSHAKE',
};

/** The code of any error a request ended with: ours, the OS's, TLS's or the response parser's. */
export function transportErrorCode(err: unknown): TransportErrorCode {
  if (err instanceof TransportError) return err.code;
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown } } | undefined;
  if (e?.name === 'AbortError') return 'INTERRUPTED';
  const code = typeof e?.code === 'string' ? e.code : typeof e?.cause?.code === 'string' ? e.cause.code : '';
  if (SYSTEM_CODES[code]) return SYSTEM_CODES[code];
  if (code.startsWith('HPE_')) return 'BAD_RESPONSE';
  if (/CERT|UNABLE_TO_(VERIFY|GET)/.test(code)) return 'TLS_CERT';
  if (/^ERR_(SSL|TLS)_/.test(code)) return 'TLS_HANDSHAKE';
  return 'TRANSPORT_ERROR';
}
