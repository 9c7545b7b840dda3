import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AcceptedWindow } from '../aggregate/aggregator.js';
import { WindowBatch } from './batch.js';
import type { JournalRecord } from './record.js';

/**
 * The run journal (its records: record.ts), written in the event-loop turn
 * each comes in (a killed coordinator loses nothing it acknowledged: the
 * data is in the kernel first) and synced to disk each second (a machine
 * that dies loses at most the last second or two). The sync runs on
 * libuv's thread pool: on the event loop it blocks for as long as the
 * disk is busy (here 86 ms at p90 and 0.9 s at worst while another
 * process wrote; macOS's is F_FULLFSYNC), and an in-process worker shares
 * that loop, so its requests would wait and be timed late. Windows are
 * merged exactly (batch.ts), and each part names its worker, so a rebuild
 * counts each (worker, index) once and gives what the live run gave.
 */
export const FLUSH_MS = 1000;

export class JournalWriter {
  private fd: number;
  /** the first write that failed (a full disk, an I/O error): nothing more is written */
  failure?: Error;
  private dirty = false;
  /** a sync is under way on the thread pool: the next waits for the timer after it ends */
  private syncing = false;
  private pending: string[] = [];
  private pendingFlush?: NodeJS.Immediate;
  private readonly batch = new WindowBatch();
  private readonly timer: NodeJS.Timeout;

  /**
   * Throws where the file cannot be made (its directory read-only, say);
   * `onError` hears of the first write that fails later, once.
   */
  constructor(
    readonly path: string,
    private readonly onError: (err: Error) => void = () => undefined,
    /** fs.fdatasync; a test's stand-in for a slow disk */
    private readonly sync: (fd: number, done: (err: Error | null) => void) => void = fdatasync,
  ) {
    // what the run measured is the user's: not readable by other local users
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.fd = openSync(path, 'a', 0o600);
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
  }

  append(record: JournalRecord): void {
    this.takeBatch(); // the windows accepted before this record go before it
    this.write(JSON.stringify(record));
  }

  /** A window the aggregator accepted; merged into this turn's batch. */
  addWindow(w: AcceptedWindow): void {
    if (this.fd < 0) return;
    this.batch.add(w);
    this.pendingFlush ??= setImmediate(() => this.writePending());
  }

  private takeBatch(): void {
    if (this.batch.empty) return;
    for (const m of this.batch.take()) this.pending.push(JSON.stringify({ t: 'windows', ...m }));
  }

  /**
   * Lines (and the turn's windows, merged) wait for the end of this turn of
   * the event loop and go out in one write (a coordinator of 1,000 workers
   * takes a thousand windows a second); acknowledgements leave in the next heartbeat, a later turn,
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
    this.takeBatch();
    if (this.fd < 0 || this.pending.length === 0) return;
    const bytes = Buffer.from(`${this.pending.join('\n')}\n`);
    this.pending = [];
    try {
      // a write to a filling disk may take part of the text, then fail
      for (let at = 0; at < bytes.length; ) at += writeSync(this.fd, bytes, at);
      this.dirty = true;
    } catch (err) {
      this.fail(err as Error);
    }
  }

  /** Writes what is waiting and, unless one is under way, starts a sync of all written so far. */
  flush(): void {
    this.writePending();
    if (!this.dirty || this.fd < 0 || this.syncing) return;
    this.dirty = false;
    this.syncing = true;
    const fd = this.fd;
    this.sync(fd, (err) => {
      this.syncing = false;
      // after close the descriptor is gone (or another file's): only an open journal's failure counts
      if (err && this.fd === fd) this.fail(err);
    });
  }

  /** Writes and syncs what is left, here and now (the run has ended), and closes the file. */
  close(): void {
    this.writePending();
    if (this.fd >= 0 && (this.dirty || this.syncing)) {
      try {
        fdatasyncSync(this.fd);
      } catch (err) {
        this.fail(err as Error);
      }
    }
    this.release();
  }

  /** Runs from timers: an error here must not end the coordinator, only the journal. */
  private fail(err: Error): void {
    this.release();
    if (this.failure) return;
    this.failure = err;
    this.onError(err);
  }

  private release(): void {
    clearInterval(this.timer);
    if (this.pendingFlush) clearImmediate(this.pendingFlush);
    this.pendingFlush = undefined;
    this.pending = [];
    if (this.fd >= 0) {
      try {
        closeSync(this.fd);
      } catch {
        // closing a descriptor whose writes failed can fail the same way; it is closed all the same
      }
    }
    this.fd = -1;
  }
}
