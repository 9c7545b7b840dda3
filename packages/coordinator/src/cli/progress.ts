import { formatDuration } from '@volley/shared';
import type { RunStatus } from '../cluster/cluster.js';

/** One plain progress line (stderr), e.g. for CI logs. */
export function progressLine(s: RunStatus, runTimeMs: number): string {
  const errPct = s.requests ? ((100 * s.failures) / s.requests).toFixed(2) : '0.00';
  return `[${formatDuration(s.elapsedMs).padStart(6)} / ${formatDuration(runTimeMs)}] ${s.state} · ${s.vus} users · ${s.rps} req/s · ${s.requests} requests · ${errPct}% failed · ${s.workers} workers`;
}

/** Polls a run's status every `everyMs` and prints a line until `done` settles. */
export function followProgress(get: () => Promise<RunStatus | undefined>, runTimeMs: number, everyMs: number): () => void {
  const timer = setInterval(() => {
    get()
      .then((s) => {
        if (s && (s.state === 'running' || s.state === 'stopping')) process.stderr.write(progressLine(s, runTimeMs) + '\n');
      })
      .catch(() => undefined);
  }, everyMs);
  return () => clearInterval(timer);
}
