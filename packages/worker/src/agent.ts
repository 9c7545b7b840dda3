import { cpus } from 'node:os';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import {
  DEAD_MAN_MS,
  HEARTBEAT_MS,
  LIVENESS_TICK_MS,
  decodeCoordinatorMessage,
  errorMessage,
  MAX_COORDINATOR_FRAME,
  PROTOCOL_VERSION,
  type CoordinatorMessage,
  type WorkerMessage,
} from '@volley/shared';
import { loadScenario } from './scenario-loader.js';
import { beginWarmUp, warmUpFor } from './http/warm-up.js';
import { warmUpSize } from './warm-up-size.js';
import { WorkerRun } from './worker-run.js';
import { selectParser, type ParserKind } from './http/response-parser.js';

/** retry a lost link this often: a short cut heals well inside the dead-man switch */
const RECONNECT_MS = 250;

export interface WorkerOptions {
  /** ws:// or wss:// address of the coordinator */
  coordinator: string;
  token?: string;
  /** PEM CA to trust for a wss:// coordinator */
  ca?: string;
  name: string;
  /** weight of this worker's share; defaults to its core count */
  cores?: number;
  log: Logger;
  /** exit when the link to the coordinator is gone and no run is active (workers spawned by `volley run`) */
  exitOnDisconnect?: boolean;
  /** stop all traffic when nothing was heard from the coordinator for this long */
  deadManMs?: number;
  /** give up reconnecting after this long without a link */
  reconnectForMs?: number;
  version?: string;
  /**
   * The coordinator runs on this machine (a local worker of `volley run`):
   * its clock is this one, so there is no offset to measure before a run.
   * Not to be guessed from a loopback address: a tunnel or a port-forward
   * reaches another machine's coordinator that way.
   */
  sameClock?: boolean;
  /** signals that end the worker gracefully: traffic stops, the last window is sent */
  signals?: NodeJS.Signals[];
  /** the response parser (http/response-parser.ts); default: VOLLEY_HTTP_PARSER, else native where Node has it */
  httpParser?: ParserKind | 'auto';
}

/**
 * The worker's I/O shell: one WebSocket to the coordinator, reconnected
 * when lost; a dead-man switch stops the traffic when the coordinator goes
 * quiet (a load generator must never run on unattended).
 * Resolves with the process exit code.
 */
export function runWorker(opts: WorkerOptions): Promise<number> {
  const log = opts.log;
  // said once at start: which parser this worker's connections use, and why
  log.info({ parser: selectParser(opts.httpParser).description }, 'http parser');
  // while it joins and waits for a run: a run's prepare need not wait for it then
  beginWarmUp();
  const deadManMs = opts.deadManMs ?? DEAD_MAN_MS;
  const reconnectForMs = opts.reconnectForMs ?? 60_000;
  let ws: WebSocket | undefined;
  /** the id the coordinator gave, and the secret that resumes it after a cut */
  let workerId: string | undefined;
  let secret: string | undefined;
  let offset = 0; // coordinator clock − local clock, ms
  let bestRtt = Infinity;
  /** the offset measured again once the warm-up has left the loop idle (a busy loop answers pongs late) */
  let clockSettled: Promise<void> | undefined;
  let onPong = (): void => undefined;
  let lastHeard = Date.now();
  let lastLinked = Date.now();
  let run: WorkerRun | undefined;
  let doneFor: { runId: string; lastIndex: number; reason?: string } | undefined;
  let closing = false;
  let finish: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (finish = resolve));

  const send = (msg: WorkerMessage): void => {
    if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  };

  let ticks = 0;
  const heartbeat = setInterval(() => {
    if (ticks++ % (HEARTBEAT_MS / LIVENESS_TICK_MS) === 0) send({ type: 'heartbeat', now: Date.now() });
    const quietFor = Date.now() - lastHeard;
    if (run && !doneFor && quietFor > deadManMs) {
      log.error({ quietForMs: quietFor }, 'dead-man switch: nothing heard from the coordinator; stopping all traffic');
      void stopRun(0, `dead-man switch: nothing heard from the coordinator for ${quietFor} ms`);
    }
    if (!ws && Date.now() - lastLinked > reconnectForMs) {
      log.error({ reconnectForMs }, 'no coordinator; giving up');
      shutdown(1);
    }
  }, LIVENESS_TICK_MS);

  function shutdown(code: number): void {
    if (closing) return;
    closing = true;
    clearInterval(heartbeat);
    for (const sig of opts.signals ?? []) process.off(sig, onSignal);
    void stopRun(0, 'worker shutting down').finally(() => {
      run?.dispose();
      ws?.close(1000, 'worker exiting');
      finish(code);
    });
  }

  function onSignal(sig: NodeJS.Signals): void {
    log.info({ signal: sig }, 'stopping: traffic ends, the last window goes to the coordinator');
    shutdown(0);
  }
  for (const sig of opts.signals ?? []) process.once(sig, onSignal);

  /** Stops the run's traffic; `reason` when stopping on its own rather than on the coordinator's word. */
  async function stopRun(gracefulStopMs: number, reason?: string): Promise<void> {
    const r = run;
    if (!r || doneFor) return;
    const lastIndex = await r.stop(gracefulStopMs);
    if (doneFor || run !== r) return;
    doneFor = { runId: r.runId, lastIndex, ...(reason ? { reason } : {}) };
    send({ type: 'done', ...doneFor });
  }

  async function handle(msg: CoordinatorMessage): Promise<void> {
    switch (msg.type) {
      case 'welcome':
        if (msg.protocol !== PROTOCOL_VERSION) {
          log.error({ theirs: msg.protocol, ours: PROTOCOL_VERSION }, 'protocol version mismatch');
          return shutdown(2);
        }
        if (workerId && msg.workerId !== workerId && run && !doneFor) {
          // a new id: this is not the coordinator that started the run (it restarted); nobody watches the run now
          log.warn({ runId: run.runId }, 'the coordinator does not know this worker any more (it restarted?); stopping the run');
          void stopRun(0, 'the coordinator that started this run restarted');
        }
        workerId = msg.workerId;
        secret = msg.secret;
        // resend what the coordinator may not have (after a reconnect; one that restarted acknowledges and drops it)
        for (const w of run?.pending() ?? []) send(w);
        if (doneFor) send({ type: 'done', ...doneFor });
        return;
      case 'pong': {
        const rtt = Date.now() - msg.t0;
        if (rtt <= bestRtt) {
          bestRtt = rtt;
          if (!opts.sameClock) offset = msg.now + rtt / 2 - Date.now();
        }
        onPong();
        return;
      }
      case 'heartbeat':
        if (msg.acked && run?.runId === msg.acked.runId) for (const i of msg.acked.indexes) run.acknowledge(i);
        return;
      case 'prepare': {
        if (run && !doneFor) {
          send({ type: 'failed', runId: msg.config.runId, reason: `worker is still running ${run.runId}` });
          return;
        }
        run?.dispose();
        run = undefined;
        doneFor = undefined;
        try {
          const scenario = await loadScenario(msg.scenario, msg.config.runId, msg.config.env);
          await warmUpFor(warmUpSize(msg.config.plan.scenarios, msg.segment));
          if (!opts.sameClock) await (clockSettled ??= settleClock());
          run = new WorkerRun(msg, send, log.child({ runId: msg.config.runId }), scenario);
          send({ type: 'ready', runId: msg.config.runId });
        } catch (err) {
          log.error({ err: errorMessage(err) }, 'cannot prepare the run');
          send({ type: 'failed', runId: msg.config.runId, reason: errorMessage(err) });
        }
        return;
      }
      case 'start': {
        if (!run || run.runId !== msg.runId || run.started) return;
        const delay = msg.startAt - (Date.now() + offset);
        log.info({ runId: msg.runId, inMs: Math.round(delay), offsetMs: offset, rttMs: bestRtt }, 'starting');
        run.start(performance.now() + delay, msg.setupData);
        // executors that finish their work early (shared iterations): the coordinator ends the run when every member is idle
        const r = run;
        r.onIdle = () => {
          if (run === r && !doneFor) send({ type: 'idle', runId: r.runId });
        };
        return;
      }
      case 'setup': {
        if (run?.runId !== msg.runId) return;
        const output: string[] = [];
        try {
          send({ type: 'setup-done', runId: msg.runId, data: await run.runSetup(output), output });
        } catch (err) {
          send({ type: 'setup-done', runId: msg.runId, error: `setup() failed: ${errorMessage(err)}`.slice(0, 8000), output });
        }
        return;
      }
      case 'teardown': {
        if (run?.runId !== msg.runId) return;
        const output: string[] = [];
        try {
          await run.runTeardown(msg.setupData, output);
          send({ type: 'teardown-done', runId: msg.runId, output });
        } catch (err) {
          send({ type: 'teardown-done', runId: msg.runId, error: `teardown() failed: ${errorMessage(err)}`.slice(0, 8000), output });
        }
        return;
      }
      case 'assign':
        if (run?.runId === msg.runId) run.reassign(msg.segment, msg.moved);
        return;
      case 'restage':
        if (run?.runId === msg.runId) run.restage(msg.scenario, msg.stages);
        return;
      case 'stop':
        if (run?.runId === msg.runId) await stopRun(msg.gracefulStopMs);
        else if (!run || run.runId !== msg.runId) send({ type: 'done', runId: msg.runId, lastIndex: -1 });
        return;
      case 'shutdown':
        log.info({ reason: msg.reason }, 'coordinator asked this worker to exit');
        return shutdown(0);
      default: {
        const never: never = msg;
        throw new Error(`unhandled message ${JSON.stringify(never)}`);
      }
    }
  }

  /** Five pings, `spacingMs` apart: the pong with the least RTT sets the offset. */
  function sendPings(spacingMs: number): void {
    for (let i = 0; i < 5; i++) setTimeout(() => send({ type: 'ping', t0: Date.now() }), i * spacingMs);
  }

  /**
   * Five pings 5 ms apart on an idle loop, done when their pongs are in (or
   * after a second): those at the link's opening met the warm-up, and a run
   * starts at an instant of the coordinator's clock.
   */
  function settleClock(): Promise<void> {
    return new Promise<void>((resolve) => {
      let awaited = 5;
      const done = (): void => {
        clearTimeout(timer);
        onPong = () => undefined;
        resolve();
      };
      const timer = setTimeout(done, 1000);
      onPong = () => {
        if (--awaited === 0) done();
      };
      sendPings(5);
    });
  }

  function connect(): void {
    if (closing) return;
    const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
    const sock = new WebSocket(opts.coordinator, { headers, ca: opts.ca, maxPayload: MAX_COORDINATOR_FRAME, handshakeTimeout: 5000 });
    ws = sock;
    sock.on('open', () => {
      lastHeard = Date.now();
      lastLinked = Date.now();
      log.info({ coordinator: opts.coordinator }, 'connected');
      send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        name: opts.name,
        workerId,
        secret,
        cores: opts.cores ?? cpus().length,
        pid: process.pid,
        version: opts.version ?? '0.0.0',
      });
      sendPings(20);
    });
    sock.on('message', (data, isBinary) => {
      lastHeard = Date.now();
      let msg: CoordinatorMessage;
      try {
        if (isBinary) throw new Error('binary frames are not part of the protocol');
        msg = decodeCoordinatorMessage(data.toString());
      } catch (err) {
        log.error({ err: errorMessage(err) }, 'bad message from the coordinator; closing the link');
        sock.close(1008, errorMessage(err).slice(0, 120));
        return;
      }
      handle(msg).catch((err) => log.error({ err: errorMessage(err), type: msg.type }, 'handling a message failed'));
    });
    sock.on('unexpected-response', (_req, res) => {
      log.error(
        { status: res.statusCode },
        res.statusCode === 401 ? 'the coordinator refused our token' : 'the coordinator refused the connection',
      );
      if (res.statusCode === 401 || res.statusCode === 403) shutdown(2);
      sock.terminate();
    });
    sock.on('error', (err) => log.warn({ err: errorMessage(err) }, 'link error'));
    sock.on('close', (code, reason) => {
      if (ws === sock) ws = undefined;
      lastLinked = Date.now();
      if (closing) return;
      log.warn({ code, reason: reason.toString() }, 'link to the coordinator closed');
      if (opts.exitOnDisconnect && (!run || doneFor)) return shutdown(code === 1000 ? 0 : 1);
      setTimeout(connect, RECONNECT_MS);
    });
  }

  connect();
  return finished;
}
