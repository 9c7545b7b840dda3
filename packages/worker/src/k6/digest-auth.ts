import { createHash, randomBytes } from 'node:crypto';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** The Authorization header answering a Digest challenge (RFC 7616, MD5, qop=auth), as k6 sends it. */
export function digestAuthorization(
  challenge: string,
  method: string,
  uri: string,
  user: string,
  pass: string,
  cnonce = randomBytes(8).toString('hex'),
): string {
  const params: Record<string, string> = {};
  for (const m of challenge.replace(/^Digest\s+/i, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]*))/g))
    params[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  const ha1 = md5(`${user}:${params.realm ?? ''}:${pass}`);
  const ha2 = md5(`${method}:${uri}`);
  const qop = params.qop
    ?.split(',')
    .map((q) => q.trim())
    .includes('auth')
    ? 'auth'
    : undefined;
  const nc = '00000001';
  const response = qop ? md5(`${ha1}:${params.nonce}:${nc}:${cnonce}:${qop}:${ha2}`) : md5(`${ha1}:${params.nonce}:${ha2}`);
  const parts = [
    `username="${user}"`,
    `realm="${params.realm ?? ''}"`,
    `nonce="${params.nonce ?? ''}"`,
    `uri="${uri}"`,
    'algorithm=MD5',
    `response="${response}"`,
  ];
  if (qop) parts.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  if (params.opaque !== undefined) parts.push(`opaque="${params.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}
