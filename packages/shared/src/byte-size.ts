import { VolleyError } from './errors.js';

const UNITS: Record<string, number> = { '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/** A size as people write it (`4MB`, `512KiB`, `1048576`) in bytes; bad input names the option. */
export function parseByteSize(text: string, option: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new VolleyError('VOLLEY_BAD_OPTION', `${option} ${text}: write a size such as 4MB, 512KiB or 1048576 (bytes)`);
  const bytes = Math.round(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes)) throw new VolleyError('VOLLEY_BAD_OPTION', `${option} ${text}: too large`);
  return bytes;
}
