import { pino, type Logger } from 'pino';

/** Logs go to stderr as JSON lines (pino); stdout is kept for summaries. */
export function makeLogger(level: string | undefined, fallback: string): Logger {
  return pino({ level: level ?? process.env.VOLLEY_LOG_LEVEL ?? fallback, base: { pid: process.pid } }, pino.destination(2));
}
