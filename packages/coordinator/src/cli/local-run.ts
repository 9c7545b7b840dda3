import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { Cluster } from '../cluster/cluster.js';
import { startServer } from '../server.js';
import type { StartRunBody } from '../api/schema.js';
import { prepareStart } from './prepare.js';
import type { SummaryHandler } from './handle-summary.js';
import type { LoadPlan } from './scenario-options.js';
import type { RunSummary } from '../aggregate/summary.js';
import { followProgress } from './progress.js';
import { reapWorkers, spawnLocalWorkers } from './local-workers.js';
import { takeEarlyWorkers } from './early-workers.js';
import { hostsWorkerInProcess, startInProcessWorker } from './in-process-worker.js';

export interface LocalRunOptions {
  /** a file, or a bundle made here (the ad-hoc --url mode) */
  scenarioFile: string | import('@volley/shared').ScenarioBundle;
  workers: number;
  body: Omit<StartRunBody, 'scenario'>;
  log: Logger;
  progressEveryMs: number;
  journalDir?: string;
  /** how the load is set (default: by the body's users and run time) */
  plan?: LoadPlan;
}

/**
 * Lead time between the start message and the common start instant, for
 * workers on this machine: the message took 1–2 ms to be handled, 14 ms at
 * worst with three busy processes on two cores. A worker that starts late
 * still times what was due from when it was due.
 */
const LOCAL_START_LEAD_MS = 20;
/** The same for a worker in this process: it had the message 1–3 ms after it went (17–19 ms of 20 to spare). */
const IN_PROCESS_START_LEAD_MS = 5;

/**
 * `volley run`: a coordinator in this process and K local worker processes
 * over real WebSockets on loopback — the same path as a distributed run;
 * one worker of the ad-hoc --url mode runs in this process, over the same
 * WebSocket (in-process-worker.ts).
 */
export async function runLocally(o: LocalRunOptions): Promise<{ summary: RunSummary; handleSummary?: SummaryHandler }> {
  const token = randomBytes(24).toString('base64url');
  // loaded and warming up while the coordinator starts
  const inProcess = hostsWorkerInProcess(o.workers, typeof o.scenarioFile !== 'string') ? await startInProcessWorker(o.log) : undefined;
  const cluster = new Cluster(o.log, {
    journalDir: o.journalDir,
    startLeadMs: inProcess ? IN_PROCESS_START_LEAD_MS : LOCAL_START_LEAD_MS,
  });
  const server = await startServer({ host: '127.0.0.1', port: 0, token, cluster, log: o.log });
  inProcess?.join(server.workerUrl, token);
  // the workers the bin started (early-workers.ts), and more if it guessed fewer; they join while the scenario is checked
  const processes = inProcess ? 0 : o.workers;
  const children = spawnLocalWorkers(processes, server.workerUrl, token, o.log, takeEarlyWorkers(processes));
  let stopProgress = (): void => undefined;
  let started = false;
  const onSignal = (): void => {
    if (cluster.stop('interrupted') === undefined) process.exit(130);
    process.once('SIGINT', () => process.exit(130)); // a second Ctrl-C stops at once
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // a bad scenario fails here, before any traffic: the workers only joined
    const { body: req, handleSummary } = await prepareStart(
      o.scenarioFile,
      { ...o.body, expectWorkers: o.workers },
      o.plan ?? { explicitLoad: true, timeScale: 1 },
    );
    const { id, finished } = cluster.start(req);
    started = true;
    stopProgress = followProgress(async () => cluster.runById(id)?.status, req.runTimeMs, o.progressEveryMs);
    return { summary: await finished, handleSummary };
  } finally {
    stopProgress();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    cluster.shutdownWorkers('run finished');
    // no run: a worker may not have joined yet to be told
    if (!started) for (const c of children) c.kill('SIGTERM');
    await reapWorkers(children, 5000);
    cluster.close();
    await server.close();
    // told to go, or its link gone with the server
    await inProcess?.ended();
  }
}
