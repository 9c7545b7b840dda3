import { cpus } from 'node:os';
import { join } from 'node:path';
import { parseDuration, VolleyError } from '@volley/shared';
import { adhocScenario } from '../adhoc.js';
import { command, finish } from '../command.js';
import { takeEarlyWorkers } from '../early-workers.js';
import { loadDataFiles } from '../data-files.js';
import { makeLogger } from '../log.js';
import {
  DEFAULT_FORM_HOST,
  exitCodeOnError,
  explicitLoad,
  k6Load,
  scenarioFile,
  toStartBody,
  webUiChoice,
  windowTargets,
  withJournalOption,
  withK6LoadOptions,
  withLocustOptions,
  withRunOptions,
  withWindowOutputs,
} from '../run-options.js';

export const runCommand = command(
  'run [scenario]',
  'run a scenario (or one --url) with a local coordinator and K local worker processes; with -f and no --headless, open a web UI that starts runs of it (as locust -f)',
  (y) =>
    withLocustOptions(withK6LoadOptions(withWindowOutputs(withJournalOption(withRunOptions(y.positional('scenario', { type: 'string' }))))))
      .option('workers', {
        alias: 'w',
        type: 'number',
        describe: 'local worker processes (the one worker of --url runs in this process)',
        default: cpus().length,
      })
      .option('url', { type: 'string', describe: 'ad-hoc mode: GET this URL with --users VUs back to back (no scenario file)' })
      .option('rate', { type: 'number', describe: 'with --url: a constant arrival rate per second, --users VUs pre-allocated' })
      .option('method', { alias: 'm', type: 'string', describe: 'with --url: the request method (default GET)' })
      .option('header', { type: 'array', string: true, describe: 'with --url: a request header, "Name: value" (repeatable)' })
      .option('body', { type: 'string', describe: 'with --url: the request body' }),
  async (a) => {
    const log = makeLogger(a.logLevel, 'warn');
    if (!Number.isInteger(a.workers) || a.workers < 1)
      throw new VolleyError('VOLLEY_BAD_OPTION', `--workers must be a whole number ≥ 1, got ${a.workers}`);
    const scenario = scenarioFile(a);
    const onError = exitCodeOnError(a);
    if (!scenario === !a.url)
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        a.url ? 'give a scenario file or --url, not both' : 'name a scenario file, or give --url URL',
      );
    for (const k of ['rate', 'method', 'header', 'body'] as const)
      if (a[k] !== undefined && !a.url) throw new VolleyError('VOLLEY_BAD_OPTION', `--${k} goes with --url`);
    const k6 = k6Load(a);
    if (k6 && a.rate !== undefined)
      throw new VolleyError(
        'VOLLEY_BAD_OPTION',
        "--rate sets the load itself: give --users and --run-time with it, not k6's --vus, --duration, --iterations or --stage",
      );
    const adhoc = a.url
      ? adhocScenario(a.url, {
          users: a.users ?? a.vus ?? 1,
          rate: a.rate,
          runTimeMs: parseDuration(a.runTime ?? a.duration ?? '10s', '--run-time'),
          method: a.method,
          headers: a.header?.map(String),
          body: a.body,
        })
      : undefined;
    const ui = webUiChoice(a);
    // the web UI's form takes the host when the command line does not (unless the run starts at once)
    const host = a.host ?? adhoc?.host ?? (ui && !ui.autostart ? DEFAULT_FORM_HOST : undefined);
    const body = { ...toStartBody({ ...a, host }, { expectWorkers: a.workers }), files: await loadDataFiles(a.data) };
    const windows = windowTargets(a); // checked before the run, not after
    const plan = { explicitLoad: adhoc ? false : explicitLoad(a), timeScale: a.timeScale, k6 };
    if (ui) {
      takeEarlyWorkers(0); // a web UI's workers are its own pool's
      const { serveWebUi } = await import('../web-ui.js');
      const runTime = a.runTime ?? a.duration;
      await serveWebUi({
        scenarioFile: scenario!,
        workers: a.workers,
        host: ui.host,
        port: ui.port,
        base: body,
        plan,
        autostart: ui.autostart,
        autoquitMs: ui.autoquitMs,
        log,
        journalDir: a.journalDir,
        given: {
          users: a.users ?? a.vus,
          spawnRate: a.spawnRate,
          runTimeS: runTime ? Math.ceil(parseDuration(runTime, '--run-time') / 1000) : undefined,
          host: body.host,
        },
        announce: (line) => process.stdout.write(`${line}\n`),
        onFinished: async (summary, handleSummary) => {
          process.exitCode = undefined; // the session exits with its last run's verdict
          await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows, handleSummary);
          if (onError !== undefined && summary.total.failures > 0 && !process.exitCode) process.exitCode = onError;
        },
      });
      return;
    }
    const { runLocally } = await import('../local-run.js');
    const { summary, handleSummary } = await runLocally({
      scenarioFile: adhoc ? adhoc.bundle : scenario!,
      workers: a.workers,
      body,
      log,
      progressEveryMs: 10_000,
      journalDir: a.journalDir,
      plan,
    });
    await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows, handleSummary);
    // a failed threshold's 99 says more, and stays
    if (onError !== undefined && summary.total.failures > 0 && !process.exitCode) process.exitCode = onError;
  },
);
