import { resolve } from 'node:path';
import { errorMessage, VolleyError } from '@volley/shared';
import type { HandleSummary } from '@volley/shared/scenario';
import type { RunSummary } from '../aggregate/summary.js';
import { writePrivate } from '../report/write.js';

/** What a scenario's handleSummary() asked for: text for stdout and stderr, and files to write. */
export interface SummaryOutputs {
  stdout?: string;
  stderr?: string;
  files: [path: string, content: string | Uint8Array][];
}

/** A scenario's handleSummary, wherever it runs (here, or in a child: scenario-child.ts). */
export type SummaryHandler = (summary: RunSummary) => Promise<SummaryOutputs>;

/**
 * Runs k6's `handleSummary(data)` with the summary in k6's shape (`data`:
 * what `--json` writes) and checks what it returned: an object of strings
 * (or bytes) keyed by `stdout`, `stderr` or a file path. Anything else is
 * an error naming it.
 */
export async function runHandleSummary(handle: HandleSummary, data: Record<string, unknown>): Promise<SummaryOutputs> {
  let result: unknown;
  try {
    result = await handle(data);
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `handleSummary() threw: ${errorMessage(err)}`, { cause: err });
  }
  if (typeof result !== 'object' || result === null || Array.isArray(result)) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', 'handleSummary() must return an object of { stdout, stderr or a file path: text }');
  }
  const out: SummaryOutputs = { files: [] };
  for (const [key, value] of Object.entries(result)) {
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw new VolleyError('VOLLEY_BAD_SCENARIO', `handleSummary() returned ${typeof value} for "${key}"; give text (or bytes)`);
    }
    if (key === 'stdout' || key === 'stderr') out[key] = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    else out.files.push([resolve(key), value]);
  }
  return out;
}

/** Writes handleSummary()'s files (their directories made), and returns their paths. */
export async function writeSummaryFiles(files: SummaryOutputs['files']): Promise<string[]> {
  for (const [path, content] of files) await writePrivate(path, content);
  return files.map(([path]) => path);
}
