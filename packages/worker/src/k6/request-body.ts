import { randomBytes } from 'node:crypto';

/** What a k6 script may give as a request body. */
export type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

/** Whether the script set this header (any case). */
export function hasHeader(headers: Record<string, string>, lower: string): boolean {
  for (const k in headers) if (k.length === lower.length && k.toLowerCase() === lower) return true;
  return false;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

/** k6's http.file(): a file part of a multipart body. */
export class FileData {
  constructor(
    readonly data: string | ArrayBuffer | ArrayBufferView,
    readonly filename: string | undefined,
    readonly content_type: string,
  ) {}
}

const bytesOf = (d: string | ArrayBuffer | ArrayBufferView): Buffer =>
  typeof d === 'string'
    ? Buffer.from(d, 'utf8')
    : d instanceof ArrayBuffer
      ? Buffer.from(d)
      : Buffer.from(d.buffer, d.byteOffset, d.byteLength);

/** An object with a file among its values goes as multipart/form-data, as k6 sends it. */
function multipart(body: Record<string, unknown>, headers: Record<string, string>): Buffer {
  const boundary = `volley${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, v] of Object.entries(body)) {
    const head =
      v instanceof FileData
        ? `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${v.filename ?? name}"\r\nContent-Type: ${v.content_type}\r\n\r\n`
        : `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`;
    parts.push(Buffer.from(head), v instanceof FileData ? bytesOf(v.data) : Buffer.from(String(v)), Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
  return Buffer.concat(parts);
}

export function encodeBody(body: Body, headers: Record<string, string>): string | Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (isPlainObject(body)) {
    if (Object.values(body).some((v) => v instanceof FileData)) return multipart(body, headers);
    if (!hasHeader(headers, 'content-type')) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
  return String(body);
}
