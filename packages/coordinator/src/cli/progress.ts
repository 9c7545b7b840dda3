import { formatDuration } from '@volley/shared';
import type { RunStatus } from '../cluster/cluster.js';

/** One plain progress line (stderr), e.g. for CI logs. */
export function progressLine(s: RunStatus, runTimeMs: number): string {
  const errPct = s.requests ? ((100 * s.failures) / s.requests).toFixed(2) : '0.00';
  return `[${formatDuration(s.elapsedMs).padStart(6)} / ${formatDuration(runTimeMs)}] ${s.state} · ${s.vus} users · ${s.rps} req/s · p95 ${(s.p95Ms ?? 0).toFixed(1)} ms · ${s.requests} requests · ${errPct}% failed · ${s.workers} workers`;
}

/** The same with a bar in front, for a terminal that is redrawn in place. */
export function progressBar(s: RunStatus, runTimeMs: number, width = 24): string {
  const done = Math.max(0, Math.min(1, runTimeMs > 0 ? s.elapsedMs / runTimeMs : 0));
  const filled = Math.round(done * width);
  return `${'█'.repeat(filled)}${'░'.repeat(width - filled)} ${progressLine(s, runTimeMs)}`;
}

/**
 * Follows a run: on a terminal, a bar redrawn in place each second; in a
 * log (not a TTY), one plain line every `everyMs`. Returns the stopper.
 */
export function followProgress(
  get: () => Promise<RunStatus | undefined>,
  runTimeMs: number,
  everyMs: number,
  out: NodeJS.WriteStream = process.stderr,
): () => void {
  const tty = !!out.isTTY;
  let drawn = false;
  const timer = setInterval(
    () => {
      get()
        .then((s) => {
          if (!s || (s.state !== 'running' && s.state !== 'stopping')) return;
          if (tty) {
            out.write(`\r\x1b[2K${progressBar(s, runTimeMs).slice(0, Math.max(20, (out.columns ?? 120) - 1))}`);
            drawn = true;
          } else out.write(`${progressLine(s, runTimeMs)}\n`);
        })
        .catch(() => undefined);
    },
    tty ? 1000 : everyMs,
  );
  return () => {
    clearInterval(timer);
    if (drawn) out.write('\r\x1b[2K');
  };
}
