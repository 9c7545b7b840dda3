import { pino, type Logger } from 'pino';
import { VolleyError } from '@volley/shared';

/** Locust's and Python's level names, as pino spells them. */
const LEVELS: Record<string, string> = { warning: 'warn', critical: 'fatal' };

/** Logs go to stderr as JSON lines (pino); stdout is kept for summaries. */
export function makeLogger(level: string | undefined, fallback: string): Logger {
  const given = level ?? process.env.VOLLEY_LOG_LEVEL ?? fallback;
  const name = LEVELS[given.toLowerCase()] ?? given.toLowerCase();
  if (!(name in pino.levels.values) && name !== 'silent') {
    throw new VolleyError('VOLLEY_BAD_OPTION', `--log-level ${given}: use ${Object.keys(pino.levels.values).join(', ')} or silent`);
  }
  return pino({ level: name, base: { pid: process.pid } }, pino.destination(2));
}
