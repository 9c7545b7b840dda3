import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { PROTOCOL_VERSION, tokenMatches, type CoordinatorMessage, type WorkerMessage } from '@volley/shared';

/** How the cluster reaches one worker; the ws server implements it (tests use an in-memory pair). */
export interface WorkerConnection {
  readonly remote: string;
  send(msg: CoordinatorMessage): void;
  close(code: number, reason: string): void;
}

export interface WorkerEntry {
  /** random: ids do not repeat across coordinator restarts, so a stale one names no one */
  id: string;
  /** given with the id in welcome; a hello that resumes the id must carry it */
  secret: string;
  name: string;
  cores: number;
  conn?: WorkerConnection;
  lastHeard: number;
  /** the run this worker is part of, if any, and where it stands in it */
  runId?: string;
  phase?: 'preparing' | 'ready' | 'running' | 'idle' | 'done';
  /** windows accepted but not yet acknowledged: they go with the next heartbeat */
  acks?: { runId: string; indexes: number[] };
}

/** a worker gone this long, and not part of the current run, is forgotten (its id no longer resumes) */
export const FORGET_MS = 5 * 60_000;

/** The workers the coordinator knows: who joined, under which id and secret, and whether their link is up. */
export class WorkerRegistry {
  private readonly workers = new Map<string, WorkerEntry>();

  constructor(private readonly log: Logger) {}

  get(id: string): WorkerEntry | undefined {
    return this.workers.get(id);
  }

  /** The entries of these ids, in their order (members and participants are never forgotten). */
  all(ids: Iterable<string>): WorkerEntry[] {
    return [...ids].map((id) => this.workers.get(id)!);
  }

  values(): IterableIterator<WorkerEntry> {
    return this.workers.values();
  }

  connected(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.conn) n++;
    return n;
  }

  /** Connected workers not in a run (or done with theirs). */
  idle(): WorkerEntry[] {
    return [...this.workers.values()].filter((w) => w.conn && (!w.runId || w.phase === 'done'));
  }

  /** A hello: a new worker, or one resuming its id (with the secret it was given); an id claimed without its secret is refused. */
  join(conn: WorkerConnection, hello: Extract<WorkerMessage, { type: 'hello' }>, now: number): WorkerEntry | undefined {
    let entry = hello.workerId ? this.workers.get(hello.workerId) : undefined;
    if (entry && !tokenMatches(hello.secret, entry.secret)) {
      this.log.warn(
        { worker: entry.id, name: hello.name, remote: conn.remote },
        'a connection claimed a worker id without its secret; refused',
      );
      conn.close(1008, `worker id ${entry.id} is taken`);
      return undefined;
    }
    if (entry) {
      entry.conn?.close(1000, 'replaced by a new connection');
      entry.conn = conn;
      entry.lastHeard = now;
      this.log.info({ worker: entry.id }, 'worker reconnected');
    } else {
      const id = `w-${randomBytes(4).toString('hex')}`;
      entry = { id, secret: randomBytes(16).toString('hex'), name: hello.name, cores: hello.cores, conn, lastHeard: now };
      this.workers.set(id, entry);
      this.log.info({ worker: id, name: hello.name, cores: hello.cores, remote: conn.remote }, 'worker joined');
    }
    conn.send({ type: 'welcome', protocol: PROTOCOL_VERSION, workerId: entry.id, secret: entry.secret, now });
    return entry;
  }

  /** Forgets a worker whose link is down since FORGET_MS, unless `keep` (a participant of the current run). */
  forgetGone(now: number, keep: (id: string) => boolean): void {
    for (const w of this.workers.values()) {
      if (!w.conn && now - w.lastHeard > FORGET_MS && !keep(w.id)) this.workers.delete(w.id);
    }
  }

  /** Acknowledges a window with the next heartbeat. */
  static ack(w: WorkerEntry, runId: string, index: number): void {
    if (w.acks?.runId !== runId) w.acks = { runId, indexes: [] };
    w.acks.indexes.push(index);
  }
}
