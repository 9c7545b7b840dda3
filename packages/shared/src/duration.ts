import { VolleyError } from './errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;

/**
 * Parses a duration as k6 and Locust write them ("30s", "1m30s", "1h",
 * "500ms"); a bare number means seconds. Returns milliseconds.
 */
export function parseDuration(text: string | number, what = 'duration'): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text) || text < 0) throw badDuration(String(text), what);
    return Math.round(text * 1000);
  }
  const s = text.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000);
  let total = 0;
  let consumed = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(s); m; m = PART.exec(s)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    consumed = PART.lastIndex;
  }
  if (s.length === 0 || consumed !== s.length) throw badDuration(text, what);
  return Math.round(total);
}

function badDuration(text: string, what: string): VolleyError {
  return new VolleyError('VOLLEY_BAD_DURATION', `${what}: "${text}" is not a duration; write e.g. 30s, 1m30s, 2h or 500ms`);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = Math.round(ms / 100) / 10;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const sec = Math.round((totalS % 60) * 10) / 10;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${sec || (!h && !m) ? `${sec}s` : ''}`;
}
