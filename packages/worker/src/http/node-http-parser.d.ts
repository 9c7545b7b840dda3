// Node's own HTTP parser (llhttp, in C), the one node:http uses; exported
// by the legacy `_http_common` module, untyped in @types/node.
declare module 'node:_http_common' {
  export class HTTPParser {
    static readonly REQUEST: number;
    static readonly RESPONSE: number;
    static readonly kOnHeaders: number;
    static readonly kOnHeadersComplete: number;
    static readonly kOnBody: number;
    static readonly kOnMessageComplete: number;
    static readonly kOnExecute: number;
    static readonly kLenientNone: number;
    initialize(type: number, resource: object, maxHeaderSize?: number, lenient?: number): void;
    /** bytes parsed, or the parse error */
    execute(data: Buffer): number | Error;
    /** the end of the stream: completes a body read until close; an Error if the message was cut */
    finish(): undefined | Error;
    /** parse straight from a socket's native handle: no JS Buffer per read; results come to kOnExecute */
    consume(handle: unknown): void;
    unconsume(): void;
    close(): void;
    [callback: number]: ((...args: never[]) => unknown) | undefined;
  }
}
