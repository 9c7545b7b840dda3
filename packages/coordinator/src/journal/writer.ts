import { closeSync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WindowMessage } from '@volley/shared';
import type { RunInfo } from '../aggregate/summary.js';
import type { ThresholdSpecs } from '../thresholds/evaluate.js';

/**
 * The run journal: one JSON line per record, written in the event-loop turn
 * it comes in (a killed coordinator loses nothing it acknowledged: the data
 * is in the kernel first) and synced to disk each second (a machine that
 * dies loses at most the last second). Records (field `t`):
 *   run     the run's parameters, written when it starts
 *   worker  a worker that took part {id, name, cores}
 *   window  a worker's window as received and accepted {w, m}
 *   event   a cluster event {atMs, kind, worker, detail}
 *   end     the run ended {durationMs, shortMs}
 * Windows are journaled raw (not merged) so that a rebuild merges them the
 * same exact way — and counts each (worker, index) once.
 */
export type JournalRecord =
  | { t: 'run'; run: Omit<RunInfo, 'workers' | 'events' | 'shortMs' | 'durationMs'>; thresholds?: ThresholdSpecs }
  | { t: 'worker'; id: string; name: string; cores: number }
  | { t: 'window'; w: string; m: WindowMessage }
  | { t: 'event'; atMs: number; kind: string; worker?: string; detail: string }
  | { t: 'end'; durationMs: number; shortMs: number };

export const FLUSH_MS = 1000;

export class JournalWriter {
  private fd: number;
  private dirty = false;
  private pending: string[] = [];
  private pendingFlush?: NodeJS.Immediate;
  private readonly timer: NodeJS.Timeout;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  append(record: JournalRecord): void {
    this.write(JSON.stringify(record));
  }

  /**
   * A window record; `raw`, the frame's text as received (already checked
   * to decode as `m`), is written as it is rather than encoded again —
   * unless it spans lines, which would break the one-record-a-line format.
   */
  appendWindow(worker: string, m: WindowMessage, raw?: string): void {
    if (raw === undefined || raw.includes('\n') || raw.includes('\r')) this.append({ t: 'window', w: worker, m });
    else this.write(`{"t":"window","w":${JSON.stringify(worker)},"m":${raw}}`);
  }

  /**
   * Lines wait for the end of this turn of the event loop and go out in one
   * write (a coordinator of 1,000 workers takes a thousand windows a
   * second); acknowledgements leave in the next heartbeat, a later turn,
   * so what is acknowledged is in the kernel first.
   */
  private write(line: string): void {
    if (this.fd < 0) return;
    this.pending.push(line);
    this.pendingFlush ??= setImmediate(() => this.writePending());
  }

  /** Writes what is waiting now (also before a flush or close). */
  writePending(): void {
    if (this.pendingFlush) clearImmediate(this.pendingFlush);
    this.pendingFlush = undefined;
    if (this.fd < 0 || this.pending.length === 0) return;
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    writeSync(this.fd, text);
    this.dirty = true;
  }

  flush(): void {
    this.writePending();
    if (!this.dirty || this.fd < 0) return;
    this.dirty = false;
    fdatasyncSync(this.fd);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
