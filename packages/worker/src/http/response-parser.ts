import { createRequire } from 'node:module';
import type net from 'node:net';
import jsParser from 'http-parser-js';
import { VolleyError } from '@volley/shared';

/**
 * The one door to Node's private HTTP parser. The worker's connections
 * parse responses with llhttp as node:http does, taken from the legacy
 * `node:_http_common` module and fed straight from the socket's native
 * handle (no Buffer, no stream event per read). Both are Node internals:
 * Node 24 deprecates `_http_common` in its docs (DEP0199), and one release
 * may remove it. So this module is the only importer of it and of the
 * socket handle's internals; at start it checks that what it needs is
 * there, and where it is not (or when told to: `--http-parser js`,
 * VOLLEY_HTTP_PARSER=js) it uses http-parser-js, a maintained public
 * parser with the same callback interface (autocannon's), reading the
 * socket's 'data' events instead. bench/max-rate.ts measures both.
 */

/** What a connection asks of a response parser: Node's binding's interface, which http-parser-js copies. */
export interface ResponseParser {
  initialize(type: number | string, resource: object, maxHeaderSize?: number, lenient?: number): void;
  /** bytes parsed, or the parse error (its code an llhttp `HPE_…`) */
  execute(data: Buffer): number | Error;
  /** the end of the stream: completes a body read until close; an Error if the message was cut */
  finish(): undefined | Error;
  close(): void;
  [callback: number]: ((...args: never[]) => unknown) | undefined;
}

interface ParserClass {
  new (): ResponseParser & { consume?(handle: unknown): void; unconsume?(): void };
  readonly RESPONSE: number | string;
  readonly kOnHeaders: number;
  readonly kOnHeadersComplete: number;
  readonly kOnBody: number;
  readonly kOnMessageComplete: number;
  readonly kOnExecute: number;
  readonly kLenientNone?: number;
}

export type ParserKind = 'native' | 'js';

export interface ParserChoice {
  kind: ParserKind;
  /** for the worker's log: which parser, and why */
  description: string;
}

/** Node's llhttp binding, if this Node still has it as this module uses it; else why not. */
function probeNative(): { parser: ParserClass } | { why: string } {
  try {
    const { HTTPParser } = createRequire(import.meta.url)('_http_common') as { HTTPParser?: ParserClass };
    if (typeof HTTPParser !== 'function') return { why: 'node:_http_common has no HTTPParser' };
    for (const k of ['kOnHeaders', 'kOnHeadersComplete', 'kOnBody', 'kOnMessageComplete', 'kOnExecute', 'RESPONSE'] as const) {
      if (typeof HTTPParser[k] !== 'number') return { why: `node:_http_common's HTTPParser has no ${k}` };
    }
    for (const m of ['initialize', 'execute', 'finish', 'close', 'consume', 'unconsume'] as const) {
      if (typeof HTTPParser.prototype[m] !== 'function') return { why: `node:_http_common's HTTPParser has no ${m}()` };
    }
    // a response through it, to be sure the callbacks still mean what they did
    const p = new HTTPParser();
    let status = 0;
    let done = false;
    p.initialize(HTTPParser.RESPONSE, {}, 0, HTTPParser.kLenientNone ?? 0);
    p[HTTPParser.kOnHeadersComplete] = ((...a: unknown[]) => void (status = a[5] as number)) as never;
    p[HTTPParser.kOnMessageComplete] = (() => void (done = true)) as never;
    const ret = p.execute(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'));
    p.close();
    if (ret instanceof Error || status !== 204 || !done)
      return { why: "node:_http_common's HTTPParser did not parse a response as expected" };
    return { parser: HTTPParser };
  } catch (err) {
    return { why: `node:_http_common cannot be loaded (${(err as Error).message})` };
  }
}

const JS_PARSER = (jsParser as unknown as { HTTPParser: ParserClass }).HTTPParser;
// reading kOnExecute is how http-parser-js learns to call kOnHeadersComplete as Node's binding does (positional arguments)
void JS_PARSER.kOnExecute;

let chosen: { kind: ParserKind; P: ParserClass; description: string } | undefined;

/**
 * Picks the parser for this process: `native` if asked for and there,
 * `js` if asked for, else native when it is there. Asking for `native`
 * where it is not is an error naming why.
 */
export function selectParser(want: ParserKind | 'auto' = envChoice()): ParserChoice {
  if (want === 'js') chosen = { kind: 'js', P: JS_PARSER, description: 'http-parser-js (asked for)' };
  else {
    const native = probeNative();
    if ('parser' in native)
      chosen = { kind: 'native', P: native.parser, description: "llhttp, Node's own (node:_http_common), fed from the socket's handle" };
    else if (want === 'native') throw new VolleyError('VOLLEY_BAD_OPTION', `--http-parser native: ${native.why}; use --http-parser js`);
    else chosen = { kind: 'js', P: JS_PARSER, description: `http-parser-js, since ${native.why}` };
  }
  return { kind: chosen.kind, description: chosen.description };
}

function envChoice(): ParserKind | 'auto' {
  const v = process.env.VOLLEY_HTTP_PARSER;
  return v === 'js' || v === 'native' ? v : 'auto';
}

function current(): NonNullable<typeof chosen> {
  if (!chosen) selectParser();
  return chosen!;
}

/** The callbacks a connection gives, by meaning rather than by the binding's numbered slots. */
export interface ParserCallbacks {
  onHeaders(headers: string[]): void;
  onHeadersComplete(headers: string[] | undefined, status: number, upgrade: boolean, keepAlive: boolean): number;
  onBody(chunk: Buffer): void;
  onMessageComplete(): void;
  /** what a parse of bytes read returned: bytes parsed, or an error */
  onExecute(ret: number | Error): void;
}

/** A response parser reading from `socket` from now on. */
export interface AttachedParser {
  /** at the socket's close: gives the handle back */
  stop(): void;
  /** the end of the stream: completes a body read until the close; an Error if it was cut */
  finish(): undefined | Error;
  close(): void;
}

export function attachParser(socket: net.Socket, cb: ParserCallbacks): AttachedParser {
  const { P } = current();
  const parser = new P();
  parser.initialize(P.RESPONSE, {}, 0, P.kLenientNone ?? 0);
  parser[P.kOnHeaders] = ((headers: string[]) => cb.onHeaders(headers)) as never;
  parser[P.kOnHeadersComplete] = ((
    _major: number,
    _minor: number,
    headers: string[] | undefined,
    _m: unknown,
    _u: unknown,
    status: number,
    _msg: unknown,
    upgrade: boolean,
    keepAlive: boolean,
  ) => cb.onHeadersComplete(headers, status, upgrade, keepAlive)) as never;
  parser[P.kOnBody] = ((chunk: Buffer) => cb.onBody(chunk)) as never;
  parser[P.kOnMessageComplete] = (() => cb.onMessageComplete()) as never;
  // the native handle feeds Node's parser directly: no Buffer and no stream event per read
  const handle = (socket as unknown as { _handle?: StreamHandle })._handle;
  let consumed = false;
  if (parser.consume && P !== JS_PARSER && handle?.isStreamBase && !handle._consumed) {
    handle._consumed = true;
    parser[P.kOnExecute] = ((ret: number | Error) => cb.onExecute(ret)) as never;
    parser.consume(handle);
    consumed = true;
  } else socket.on('data', (chunk: Buffer) => cb.onExecute(parser.execute(chunk)));
  return {
    stop: () => void (consumed && parser.unconsume!()),
    finish: () => parser.finish(),
    close: () => parser.close(),
  };
}

/** The part of a socket's native handle the parser takes over (node:http does the same). */
interface StreamHandle {
  isStreamBase?: boolean;
  _consumed?: boolean;
}
