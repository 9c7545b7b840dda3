import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { errorMessage } from '@volley/shared';
import type { SummaryHandler } from './handle-summary.js';
import { Cluster } from '../cluster/cluster.js';
import { startServer } from '../server.js';
import type { StartRunBody } from '../api/schema.js';
import type { RunSummary } from '../aggregate/summary.js';
import { DEFAULT_FORM, fileCatalog, type FormDefaults } from '../dashboard/scenarios.js';
import { prepareStart } from './prepare.js';
import type { LoadPlan } from './scenario-options.js';
import { LocalWorkerPool, reapWorkers } from './local-workers.js';
import { EXIT_RUN_FAILED } from './exit-codes.js';

export interface WebUiOptions {
  scenarioFile: string;
  workers: number;
  /** where the web UI listens (Locust's --web-host and --web-port) */
  host: string;
  port: number;
  /** the command line's start request: the rest of it goes with every run */
  base: Omit<StartRunBody, 'scenario'>;
  /** the load the command line gave, for the form (the rest from DEFAULT_FORM; no run time: until stopped) */
  given: { users?: number; spawnRate?: number; runTimeS?: number; host: string };
  /** how --autostart's run takes its load (the scenario's own plan unless the command line set one) */
  plan: LoadPlan;
  autostart: boolean;
  /** with autostart: quit this long after its run ends (Locust's --autoquit) */
  autoquitMs?: number;
  log: Logger;
  journalDir?: string;
  /** the end of a run on this terminal: summary, reports, exit code */
  onFinished(summary: RunSummary, handleSummary?: SummaryHandler): Promise<void>;
  /** where the web UI's address is written (tests read it) */
  announce(line: string): void;
}

/**
 * `volley run -f FILE` without --headless, as `locust -f FILE` is: a
 * coordinator whose web UI offers that one file, with K local workers
 * joined (one that dies is replaced), until Ctrl-C. Each run started from
 * the page (or by --autostart, or by `volley start`) ends on this terminal
 * as `volley run` ends: the summary and the reports asked for. The page's
 * address carries a token made for this session (as Jupyter's does): with
 * it no other local user or web page can start runs, and --web-host may
 * leave loopback. Resolves with the last run that ended, if any.
 */
export async function serveWebUi(o: WebUiOptions): Promise<RunSummary | undefined> {
  // a bad scenario fails here, before anything listens or any worker starts
  const first = await prepareStart(o.scenarioFile, o.base, o.plan, { isolated: true });

  // hex: a base64url token may begin with '-', which a command line then reads as options (`volley scale --token -x…`)
  const token = randomBytes(20).toString('hex');
  const handleSummaries = new WeakMap<object, SummaryHandler | undefined>([[first.body, first.handleSummary]]);
  // a script whose own plan was taken (no load on the command line) starts with it ticked, as Locust uses a shape class
  const defaults: FormDefaults = {
    users: o.given.users ?? DEFAULT_FORM.users,
    spawnRate: o.given.spawnRate ?? DEFAULT_FORM.spawnRate,
    runTimeS: o.given.runTimeS,
    host: o.given.host,
    ownPlan: !o.plan.explicitLoad && !o.plan.k6 && first.body.scenarios !== undefined,
  };
  const catalog = fileCatalog({
    file: o.scenarioFile,
    base: o.base,
    defaults,
    timeScale: o.plan.timeScale,
    onPrepared: (p) => handleSummaries.set(p.body, p.handleSummary),
  });

  let last: RunSummary | undefined;
  let ending: Promise<void> = Promise.resolve();
  let autostarted: string | undefined;
  let quit!: () => void;
  const quitting = new Promise<void>((resolve) => (quit = resolve));
  const cluster = new Cluster(o.log, {
    journalDir: o.journalDir,
    onRunStarted: ({ id, request, finished }) => {
      const hs = handleSummaries.get(request);
      // a run that failed, or whose end could not be written, is said and sets the exit code; the session goes on
      const end = finished
        .then(
          async (summary) => {
            last = summary;
            try {
              await o.onFinished(summary, hs);
            } catch (err) {
              process.stderr.write(`volley: the end of run ${id}: ${errorMessage(err)}\n`);
              process.exitCode = EXIT_RUN_FAILED;
            }
          },
          (err: unknown) => {
            process.stderr.write(`volley: run ${id} failed: ${errorMessage(err)}\n`);
            process.exitCode = EXIT_RUN_FAILED;
          },
        )
        .then(async () => {
          if (id === autostarted && o.autoquitMs !== undefined) {
            process.stderr.write(`volley: quitting in ${o.autoquitMs / 1000} s (--autoquit)\n`);
            await new Promise((r) => setTimeout(r, o.autoquitMs));
            quit();
          }
        });
      ending = Promise.all([ending, end]).then(() => undefined);
    },
  });
  const server = await startServer({ host: o.host, port: o.port, token, cluster, log: o.log, scenarios: catalog });
  const pool = new LocalWorkerPool(o.workers, server.workerUrl, token, o.log);
  o.announce(`volley: web UI at ${server.url}/?token=${token} (${o.workers} local worker${o.workers === 1 ? '' : 's'}; Ctrl-C quits)`);

  const onSignal = (): void => {
    // a second Ctrl-C exits at once
    process.once('SIGINT', () => process.exit(130));
    process.once('SIGTERM', () => process.exit(130));
    quit();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    if (o.autostart) autostarted = cluster.start(first.body).id;
    await quitting;
    cluster.stop('quitting');
    await cluster.settled();
    await ending;
    return last;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    const children = pool.stop();
    cluster.shutdownWorkers('quitting');
    await reapWorkers(children, 5000);
    cluster.close();
    await server.close();
  }
}
