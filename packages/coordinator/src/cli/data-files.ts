import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { errorMessage, VolleyError } from '@volley/shared';

/** Data files travel in the prepare message; keep them well inside its frame. */
export const MAX_DATA_BYTES = 32 * 1024 * 1024;

/**
 * Parses CSV (RFC 4180: a header row, quoted fields with "" escapes) into
 * one object per row. Throws with the line number of the first problem.
 */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let i = 0;
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  for (; i < src.length; i++) {
    const c = src[i]!;
    if (quoted) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
    } else if (c === '"') {
      if (field !== '') throw new Error(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      line++;
    } else field += c;
  }
  if (quoted) throw new Error(`line ${line}: a quoted field is never closed`);
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  const nonEmpty = rows.filter((r) => !(r.length === 1 && r[0] === ''));
  if (nonEmpty.length === 0) throw new Error('no header row');
  const header = nonEmpty[0]!;
  return nonEmpty.slice(1).map((r, n) => {
    if (r.length !== header.length) throw new Error(`row ${n + 2}: ${r.length} fields, the header has ${header.length}`);
    return Object.fromEntries(header.map((h, j) => [h, r[j]!]));
  });
}

/** `--data NAME=FILE` pairs → NAME → JSON text of the parsed content, checked here. */
export async function loadDataFiles(pairs: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const name = eq > 0 ? pair.slice(0, eq) : basename(pair).replace(/\.[^.]*$/, '');
    const file = eq > 0 ? pair.slice(eq + 1) : pair;
    if (!/^[A-Za-z_]\w{0,63}$/.test(name))
      throw new VolleyError('VOLLEY_BAD_OPTION', `--data ${pair}: the name "${name}" must be letters, digits and _`);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `--data ${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
      );
    }
    let value: unknown;
    try {
      value = /\.csv$/i.test(file) ? parseCsv(text) : JSON.parse(text);
    } catch (err) {
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        `--data ${file}: does not parse as ${/\.csv$/i.test(file) ? 'CSV' : 'JSON'}: ${errorMessage(err)}`,
      );
    }
    out[name] = JSON.stringify(value);
    total += out[name].length;
    if (total > MAX_DATA_BYTES)
      throw new VolleyError('VOLLEY_BAD_OPTION', `--data: the files come to over ${MAX_DATA_BYTES / 1024 / 1024} MiB`);
  }
  return out;
}
