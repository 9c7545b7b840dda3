#!/usr/bin/env -S node --max-semi-space-size=64
import { cpus } from 'node:os';
import yargs, { type Argv } from 'yargs';
import { hideBin } from 'yargs/helpers';
import { BROWSER_BARRED_PORTS, errorMessage, formatDuration, parseDuration, planMaxVus, VolleyError } from '@volley/shared';
import { DEFAULT_LIMITS } from '../cluster/limits.js';
import { makeLogger } from './log.js';
import { readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { loadPem, loadToken } from './token.js';
import { loadDataFiles } from './data-files.js';
import {
  DEFAULT_FORM_HOST, exitCodeOnError, explicitLoad, k6Load, scenarioFile, toStartBody, webUiChoice, windowTargets, withJournalOption, withK6LoadOptions, withLocustOptions, withRunOptions, withWindowOutputs, type RunArgs,
} from './run-options.js';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adhocScenario } from './adhoc.js';
import { EXIT_BAD_INPUT, EXIT_RUN_FAILED, EXIT_SCRIPT_ABORTED, EXIT_THRESHOLDS_FAILED } from './exit-codes.js';

export const VERSION = '0.1.0';

// Each command loads what only it needs when it runs (`await import`), so
// that a worker loads neither the coordinator's modules (nor zod's share
// of them, nor hdr-histogram-js) and a run does not load the control
// client: a Node process's start is mostly loading modules, and a local
// run starts two. This file keeps to yargs and the options' checks.


const finish = async (...args: Parameters<typeof import('./finish.js').finish>): Promise<void> => (await import('./finish.js')).finish(...args);

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new VolleyError('VOLLEY_BAD_OPTION', `--listen ${listen}: write HOST:PORT, e.g. 0.0.0.0:7000`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

const tokenOptions = <T>(y: Argv<T>) =>
  y
    .option('token-file', { type: 'string', describe: 'file holding the shared token (else --token, else $VOLLEY_TOKEN)' })
    .option('token', { type: 'string', describe: 'the shared token itself (visible to other local users in the process list; prefer --token-file)' });

const coordinatorOption = <T>(y: Argv<T>) =>
  tokenOptions(y)
    .option('coordinator', { alias: 'c', type: 'string', describe: 'control API address, e.g. http://HOST:7000', default: process.env.VOLLEY_COORDINATOR ?? 'http://127.0.0.1:7000' })
    .option('tls-ca', { type: 'string', describe: 'PEM CA to trust for an https coordinator' });

const controlClient = async (a: { coordinator: string; tokenFile?: string; token?: string; tlsCa?: string }) => {
  const { ControlClient } = await import('../api/client.js');
  return new ControlClient(a.coordinator, loadToken(a.tokenFile, a.token), loadPem('--tls-ca', a.tlsCa));
};

/** A scalar option given more than once keeps its last value; an array option keeps them all. */
function lastOneWins(argv: Record<string, unknown>, y?: unknown): void {
  // yargs hands middleware its instance; getOptions() is in its API, not in its types
  const arrays = new Set((y as { getOptions(): { array: string[] } }).getOptions().array);
  for (const [k, v] of Object.entries(argv)) if (k !== '_' && Array.isArray(v) && !arrays.has(k)) argv[k] = v.at(-1);
}

/** Whether this command line asks for help (only then is the usage text shown). */
const asksForHelp = (argv: string[]): boolean => argv.length === 0 || argv.some((a) => a === '--help' || a === '-h' || a === 'help');

export function cli(argv: string[]) {
  // The directory of this program, not the caller's: yargs looks for a
  // package.json upward from it for its version guess (a walk that read
  // every directory up from a deep cwd). And yargs renders the whole usage
  // text at each command to cache it; wrapped, that measured ~15 ms of a
  // process's start, so it is wrapped only when it will be read.
  return yargs(argv, dirname(fileURLToPath(import.meta.url)))
    .wrap(asksForHelp(argv) ? Math.min(80, process.stdout.columns ?? 80) : null)
    .scriptName('volley')
    .version(VERSION)
    .strict()
    // an option given twice: the last one wins, as in most CLIs — except the
    // repeatable ones (--env, --data, --out, --header), which keep every value
    .middleware(lastOneWins, true)
    .option('log-level', { alias: ['loglevel', 'L'], type: 'string', describe: 'level of logs on stderr: trace, debug, info, warn, error (or Locust\'s names; default: warn for runs, info for daemons)' })
    .command(
      'run [scenario]',
      'run a scenario (or one --url) with a local coordinator and K local worker processes; with -f and no --headless, open a web UI that starts runs of it (as locust -f)',
      (y) => withLocustOptions(withK6LoadOptions(withWindowOutputs(withJournalOption(withRunOptions(y.positional('scenario', { type: 'string' }))))))
        .option('workers', { alias: 'w', type: 'number', describe: 'local worker processes', default: cpus().length })
        .option('url', { type: 'string', describe: 'ad-hoc mode: GET this URL with --users VUs back to back (no scenario file)' })
        .option('rate', { type: 'number', describe: 'with --url: a constant arrival rate per second, --users VUs pre-allocated' })
        .option('method', { alias: 'm', type: 'string', describe: 'with --url: the request method (default GET)' })
        .option('header', { type: 'array', string: true, describe: 'with --url: a request header, "Name: value" (repeatable)' })
        .option('body', { type: 'string', describe: 'with --url: the request body' }),
      async (a) => {
        const log = makeLogger(a.logLevel, 'warn');
        if (!Number.isInteger(a.workers) || a.workers < 1) throw new VolleyError('VOLLEY_BAD_OPTION', `--workers must be a whole number ≥ 1, got ${a.workers}`);
        const scenario = scenarioFile(a);
        const onError = exitCodeOnError(a);
        if (!scenario === !a.url) throw new VolleyError('VOLLEY_BAD_OPTION', a.url ? 'give a scenario file or --url, not both' : 'name a scenario file, or give --url URL');
        for (const k of ['rate', 'method', 'header', 'body'] as const) if (a[k] !== undefined && !a.url) throw new VolleyError('VOLLEY_BAD_OPTION', `--${k} goes with --url`);
        const k6 = k6Load(a);
        if (k6 && a.rate !== undefined) throw new VolleyError('VOLLEY_BAD_OPTION', '--rate sets the load itself: give --users and --run-time with it, not k6\'s --vus, --duration, --iterations or --stage');
        const adhoc = a.url
          ? adhocScenario(a.url, { users: a.users ?? a.vus ?? 1, rate: a.rate, runTimeMs: parseDuration(a.runTime ?? a.duration ?? '10s', '--run-time'), method: a.method, headers: a.header?.map(String), body: a.body })
          : undefined;
        const ui = webUiChoice(a);
        // the web UI's form takes the host when the command line does not (unless the run starts at once)
        const host = a.host ?? adhoc?.host ?? (ui && !ui.autostart ? DEFAULT_FORM_HOST : undefined);
        const body = { ...toStartBody({ ...a, host }, { expectWorkers: a.workers }), files: await loadDataFiles(a.data) };
        const windows = windowTargets(a); // checked before the run, not after
        const plan = { explicitLoad: adhoc ? false : explicitLoad(a), timeScale: a.timeScale, k6 };
        if (ui) {
          const { serveWebUi } = await import('./web-ui.js');
          const runTime = a.runTime ?? a.duration;
          await serveWebUi({
            scenarioFile: scenario!, workers: a.workers, host: ui.host, port: ui.port, base: body, plan, autostart: ui.autostart, autoquitMs: ui.autoquitMs, log, journalDir: a.journalDir,
            given: { users: a.users ?? a.vus, spawnRate: a.spawnRate, runTimeS: runTime ? Math.ceil(parseDuration(runTime, '--run-time') / 1000) : undefined, host: body.host },
            announce: (line) => process.stdout.write(`${line}\n`),
            onFinished: async (summary, handleSummary) => {
              process.exitCode = undefined; // the session exits with its last run's verdict
              await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows, handleSummary);
              if (onError !== undefined && summary.total.failures > 0 && !process.exitCode) process.exitCode = onError;
            },
          });
          return;
        }
        const { runLocally } = await import('./local-run.js');
        const { summary, handleSummary } = await runLocally({ scenarioFile: adhoc ? adhoc.bundle : scenario!, workers: a.workers, body, log, progressEveryMs: 10_000, journalDir: a.journalDir, plan });
        await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows, handleSummary);
        // a failed threshold's 99 says more, and stays
        if (onError !== undefined && summary.total.failures > 0 && !process.exitCode) process.exitCode = onError;
      },
    )
    .command(
      'demo',
      "the guide's scenario against the bundled DID sample server: 2 local workers, 200 users at 50/s for 30 s",
      (y) => withWindowOutputs(withJournalOption(withRunOptions(y)))
        .option('workers', { alias: 'w', type: 'number', default: 2 })
        .option('k6', { type: 'boolean', describe: "run the guide's k6 script as it is (examples/did-api/k6-test.js): 50 VUs for 30 s, or --vus and --duration" })
        .option('vus', { type: 'number', describe: 'with --k6: VUs [default: 50]' })
        .option('duration', { alias: 'd', type: 'string', describe: 'with --k6: how long [default: 30s]' })
        .default('users', 200).default('spawn-rate', 50).default('run-time', '30s')
        .default('json', 'reports/summary.json').default('csv', 'reports/volley').default('html', 'reports/report.html'),
      async (a) => {
        const log = makeLogger(a.logLevel, 'warn');
        const body = toStartBody({ ...a, host: a.host ?? 'http://127.0.0.1:1' }, { expectWorkers: a.workers });
        const windows = windowTargets(a);
        if ((a.vus !== undefined || a.duration !== undefined) && !a.k6) throw new VolleyError('VOLLEY_BAD_OPTION', '--vus and --duration go with --k6');
        const k6 = a.k6 ? k6Load({ vus: a.vus ?? 50, duration: a.duration ?? '30s' }) as { vus: number; duration: string } : undefined;
        process.stderr.write(k6
          ? `demo: DID sample server + coordinator + ${a.workers} workers; the guide's k6 script as it is, ${k6.vus} VUs for ${k6.duration}\n`
          : `demo: DID sample server + coordinator + ${a.workers} workers; ${a.users} users at ${a.spawnRate}/s for ${a.runTime}\n`);
        const { runDemo } = await import('./demo.js');
        const { summary, compared } = await runDemo({ workers: a.workers, log, body, journalDir: a.journalDir, k6 });
        await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows);
        process.stdout.write('\nWhat the sample server answered, per route, against the report:\n');
        for (const c of compared) process.stdout.write(`  ${c.route.padEnd(26)} server ${String(c.server).padStart(6)}   report ${String(c.report).padStart(6)}   ${c.server === c.report ? 'equal' : 'DIFFERENT'}\n`);
        if (k6 && summary.thresholds.some((t) => t.metric === 'http_req_failed' && !t.ok)) process.stdout.write("\nAs in k6, the script counts the API's expected 401 and 409 answers in http_req_failed (it sets no expectedStatuses), so its 'rate<0.01' threshold fails: exit 99.\n");
        if (compared.some((c) => c.server !== c.report)) process.exitCode = EXIT_RUN_FAILED;
      },
    )
    .command(
      'coordinator',
      'run a coordinator that workers join and clients start runs on',
      (y) => withK6LoadOptions(tokenOptions(y))
        .option('listen', { type: 'string', describe: 'HOST:PORT for workers and the control API', default: '127.0.0.1:7000' })
        .option('scenarios', { type: 'string', describe: 'a directory of scenario files the web dashboard (GET /) may start' })
        .option('worker-token-file', { type: 'string', describe: 'a separate token for workers (the control API keeps --token-file)' })
        .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve https and wss' })
        .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
        .option('journal-dir', { type: 'string', describe: 'where run journals go (rebuild reports with `volley report`)', default: 'reports/journal' })
        .option('run', { type: 'string', describe: 'run this scenario once --expect-workers have joined, write the reports, and exit with the run\'s exit code (a Kubernetes Job)' })
        .option('host', { alias: 'H', type: 'string', describe: 'with --run: base URL of the system under test' })
        .option('users', { alias: 'u', type: 'number' }).option('spawn-rate', { alias: 'r', type: 'number' }).option('run-time', { alias: 't', type: 'string' })
        .option('time-scale', { type: 'number', default: 1 }).option('graceful-stop', { type: 'string', default: '30s' })
        .option('env', { alias: 'e', type: 'string', array: true, nargs: 1, default: [] as string[] })
        .option('expect-workers', { type: 'number' }).option('expect-workers-timeout', { type: 'string', default: '10m' })
        .option('json', { type: 'string' }).option('csv', { type: 'string' }).option('html', { type: 'string' }).option('junit', { type: 'string' })
        .option('summary-trend-stats', { type: 'string', describe: "with --run: k6's, the statistics each trend shows in the summary" })
        .option('max-users', { type: 'number', default: DEFAULT_LIMITS.maxUsers, describe: 'refuse start requests for more users than this' })
        .option('max-rate', { type: 'number', default: DEFAULT_LIMITS.maxRatePerSecond, describe: 'refuse start requests for a higher arrival rate (iterations/s)' })
        .option('max-duration', { type: 'string', default: formatDuration(DEFAULT_LIMITS.maxDurationMs), describe: 'refuse start requests for longer runs' }),
      async (a) => {
        const log = makeLogger(a.logLevel, 'info');
        for (const [name, v] of [['--max-users', a.maxUsers], ['--max-rate', a.maxRate]] as const) {
          if (!(v > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `${name} must be above 0, got ${v}`);
        }
        const limits = { maxUsers: a.maxUsers, maxRatePerSecond: a.maxRate, maxDurationMs: parseDuration(a.maxDuration, '--max-duration') };
        const { host, port } = parseListen(a.listen);
        // with --run, check everything before listening: a bad scenario or option exits 2 at once
        const runArgs = { ...a, data: [] as string[], insecureSkipTlsVerify: false } as RunArgs & typeof a;
        const [{ prepareStart }, { Cluster }, { assertMayListen, startServer }, { directoryCatalog }] = await Promise.all([
          import('./prepare.js'), import('../cluster/cluster.js'), import('../server.js'), import('../dashboard/scenarios.js'),
        ]);
        const prepared = a.run ? await prepareStart(a.run, toStartBody(runArgs, { expectWorkers: 1 }), { explicitLoad: explicitLoad(runArgs), timeScale: a.timeScale, k6: k6Load(a) }) : undefined;
        const token = loadToken(a.tokenFile, a.token);
        const workerToken = a.workerTokenFile ? loadToken(a.workerTokenFile) : undefined;
        const cert = loadPem('--tls-cert', a.tlsCert);
        const key = loadPem('--tls-key', a.tlsKey);
        if (!!cert !== !!key) throw new VolleyError('VOLLEY_BAD_OPTION', '--tls-cert and --tls-key go together');
        assertMayListen(host, token);
        const cluster = new Cluster(log, { journalDir: a.journalDir, limits });
        const server = await startServer({ host, port, token, workerToken, tls: cert && key ? { cert, key } : undefined, cluster, log, scenarios: directoryCatalog(a.scenarios) });
        process.stdout.write(`coordinator listening on ${server.url} (workers: ${server.workerUrl}; dashboard: ${server.url}/${token ? '?token=…' : ''})\n`);
        if (BROWSER_BARRED_PORTS.has(port)) process.stderr.write(`volley: browsers refuse port ${port} (the fetch standard's bad ports): the dashboard will not open there; workers and the volley CLI are not affected\n`);
        if (prepared) {
          // one run, then exit with its code (a Job's status is the verdict)
          const onSignal = (): void => void cluster.stop('coordinator shutting down');
          process.once('SIGTERM', onSignal);
          process.once('SIGINT', onSignal);
          try {
            const summary = await cluster.start(prepared.body).finished;
            await finish(summary, runArgs, join(a.journalDir, `${summary.run.id}.jsonl`), {}, prepared.handleSummary);
            const { renderK6Json } = await import('../report/k6-json.js');
            process.stdout.write(`VOLLEY_SUMMARY_JSON ${JSON.stringify(JSON.parse(renderK6Json(summary)))}\n`);
          } finally {
            cluster.shutdownWorkers('run finished');
            await new Promise((r) => setTimeout(r, 500)); // let the workers hear it
            cluster.close();
            await server.close();
          }
          return;
        }
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        // a graceful stop: end the run, collect the last windows, close the journal; a second signal stops at once
        const exitNow = (): never => process.exit(130);
        process.once('SIGINT', exitNow);
        process.once('SIGTERM', exitNow);
        if (cluster.stop('coordinator shutting down')) log.info('finishing the current run before exiting');
        await cluster.settled();
        cluster.close();
        await server.close();
      },
    )
    .command(
      'worker',
      'join a coordinator and run the users it assigns',
      (y) => tokenOptions(y)
        .option('coordinator', { alias: 'c', type: 'string', describe: 'ws://HOST:PORT (or wss://) of the coordinator', demandOption: true })
        .option('tls-ca', { type: 'string', describe: 'PEM CA to trust for a wss coordinator' })
        .option('name', { type: 'string', describe: 'this worker’s name in reports' })
        .option('cores', { type: 'number', describe: 'weight of this worker’s share (default: its cores)' })
        .option('http-parser', { type: 'string', choices: ['auto', 'native', 'js'], describe: "response parser: Node's own llhttp (native), the public http-parser-js (js), or native where this Node has it (auto; also VOLLEY_HTTP_PARSER)" })
        .option('exit-on-disconnect', { type: 'boolean', default: false, hidden: true }),
      async (a) => {
        const log = makeLogger(a.logLevel, 'info');
        if (!/^wss?:\/\//.test(a.coordinator)) throw new VolleyError('VOLLEY_BAD_OPTION', `--coordinator ${a.coordinator}: write ws://HOST:PORT`);
        const { hostname } = await import('node:os');
        const { runWorker } = await import('@volley/worker');
        const code = await runWorker({
          signals: ['SIGINT', 'SIGTERM'],
          coordinator: a.coordinator, token: loadToken(a.tokenFile, a.token), ca: loadPem('--tls-ca', a.tlsCa),
          // a pod of an Indexed Job knows its index
          name: a.name ?? (process.env.JOB_COMPLETION_INDEX !== undefined ? `worker-${process.env.JOB_COMPLETION_INDEX}` : `${hostname()}-${process.pid}`),
          cores: a.cores, log, exitOnDisconnect: a.exitOnDisconnect, version: VERSION, httpParser: a.httpParser as 'auto' | 'native' | 'js' | undefined,
        });
        process.exitCode = code;
      },
    )
    .command(
      'start <scenario>',
      'start a run on a coordinator and follow it to its summary',
      (y) => withK6LoadOptions(coordinatorOption(withRunOptions(y.positional('scenario', { type: 'string', demandOption: true }))))
        .option('detach', { type: 'boolean', default: false, describe: 'return once the run has started' }),
      async (a) => {
        const client = await controlClient(a);
        const body = { ...toStartBody(a, { expectWorkers: 1 }), files: await loadDataFiles(a.data) };
        process.once('SIGINT', () => void client.stop().catch(() => undefined));
        const { startRemote } = await import('./remote.js');
        const { id, summary, handleSummary } = await startRemote(client, a.scenario, body, a.detach, 10_000, { explicitLoad: explicitLoad(a), timeScale: a.timeScale, k6: k6Load(a) });
        if (!summary) {
          process.stdout.write(`started ${id}\n`);
          return;
        }
        await finish(summary, a, undefined, {}, handleSummary);
      },
    )
    .command('status', 'show the coordinator’s workers and run', (y) => coordinatorOption(y), async (a) => {
      const client = await controlClient(a);
      const [s, { progressLine }] = await Promise.all([client.status(), import('./progress.js')]);
      process.stdout.write(`workers: ${s.workers.filter((w) => w.connected).length} connected\n`);
      for (const w of s.workers) process.stdout.write(`  ${w.id} ${w.name} cores=${w.cores} ${w.connected ? 'connected' : 'gone'}${w.runId ? ` run=${w.runId}` : ''}\n`);
      process.stdout.write(s.run ? `run ${s.run.id}: ${progressLine(s.run, s.run.elapsedMs)}${s.run.error ? ` (${s.run.error})` : ''}\n` : 'no run yet\n');
    })
    .command(
      'scale',
      'change the users of the coordinator’s running run (Locust’s edit of a running test, k6’s scale)',
      (y) => coordinatorOption(y)
        .option('users', { alias: ['u', 'vus'], type: 'number', demandOption: true, describe: 'users from now on' })
        .option('spawn-rate', { alias: 'r', type: 'number', describe: 'users started (or stopped) per second [default: the run’s]' }),
      async (a) => {
        if (!Number.isInteger(a.users) || a.users < 0) throw new VolleyError('VOLLEY_BAD_OPTION', `--users must be a whole number ≥ 0, got ${a.users}`);
        if (a.spawnRate !== undefined && !(a.spawnRate > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--spawn-rate must be above 0, got ${a.spawnRate}`);
        const client = await controlClient(a);
        const s = await client.scale({ users: a.users, spawnRate: a.spawnRate });
        process.stdout.write(`scaling ${s.id} to ${a.users} users\n`);
      },
    )
    .command('stop', 'stop the coordinator’s current run (reports are still written)', (y) => coordinatorOption(y), async (a) => {
      const client = await controlClient(a);
      const s = await client.stop();
      process.stdout.write(`stopping ${s.id}\n`);
    })
    .command(
      'inspect <scenario>',
      'check a scenario and print the run it would make, as JSON (k6 inspect): executors, durations, users, thresholds',
      (y) => withK6LoadOptions(withRunOptions(y.positional('scenario', { type: 'string', demandOption: true }))),
      async (a) => {
        const k6 = k6Load(a);
        const body = toStartBody({ ...a, host: a.host ?? DEFAULT_FORM_HOST }, { expectWorkers: 1 });
        const [{ prepareStart }, { runPlan }] = await Promise.all([import('./prepare.js'), import('../cluster/cluster.js')]);
        const { body: run } = await prepareStart(a.scenario, body, { explicitLoad: explicitLoad(a), timeScale: a.timeScale, k6 });
        const scenarios = runPlan(run);
        process.stdout.write(`${JSON.stringify({
          scenario: run.scenario.name, bundleBytes: Buffer.byteLength(run.scenario.code), host: run.host,
          durationMs: run.runTimeMs, maxVUs: planMaxVus(scenarios), gracefulStopMs: run.gracefulStopMs,
          scenarios, thresholds: run.thresholds, setup: run.setup, teardown: run.teardown, ...(run.summaryTrendStats ? { summaryTrendStats: run.summaryTrendStats } : {}),
        }, null, 2)}\n`);
      },
    )
    .command(
      'report <journal>',
      'rebuild the summary and reports of a run from its journal (e.g. after a crash)',
      (y) => withWindowOutputs(y.positional('journal', { type: 'string', demandOption: true }))
        .option('json', { type: 'string', describe: 'k6-shaped summary JSON' })
        .option('csv', { type: 'string', describe: 'Locust CSV prefix' })
        .option('junit', { type: 'string', describe: 'JUnit XML file' })
        .option('html', { type: 'string', describe: 'self-contained HTML report' }),
      async (a) => {
        let text: string;
        try {
          text = await readFile(a.journal, 'utf8');
        } catch (err) {
          throw new VolleyError('VOLLEY_BAD_OPTION', `${a.journal}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
        }
        const [{ replayJournal }, { renderText }, { writeReports, writeWindowReports }] = await Promise.all([
          import('../journal/replay.js'), import('../report/text.js'), import('../report/write.js'),
        ]);
        const { summary, complete, skipped } = replayJournal(text, a.journal);
        if (!complete) process.stderr.write(`volley: ${a.journal} has no end record (the coordinator stopped early); the summary covers the windows recorded${skipped ? `; skipped a last line cut short` : ''}\n`);
        process.stdout.write(renderText(summary));
        for (const f of await writeReports(summary, { json: a.json, csv: a.csv, junit: a.junit, html: a.html })) process.stdout.write(`report: ${f}\n`);
        for (const f of await writeWindowReports(a.journal, windowTargets(a), summary)) process.stdout.write(`report: ${f}\n`);
        if (summary.thresholds.some((t) => !t.ok)) process.exitCode = EXIT_THRESHOLDS_FAILED;
        if (summary.run.events.some((e) => e.kind === 'script-abort')) process.exitCode = EXIT_SCRIPT_ABORTED;
      },
    )
    .command('k8s', 'Kubernetes manifests for a run', (y) => y.command(
      'render',
      'write the manifests (coordinator Job + Service, workers Indexed Job, scenario ConfigMap, token Secret) for a run',
      (r) => withK6LoadOptions(r)
        .option('workers', { type: 'number', demandOption: true, describe: 'worker pods (the Indexed Job\'s parallelism and completions)' })
        .option('scenario', { type: 'string', demandOption: true, describe: 'the scenario file (goes into the ConfigMap)' })
        .option('image', { type: 'string', default: `volley:${VERSION}`, describe: 'the image (deploy/Dockerfile)' })
        .option('host', { alias: 'H', type: 'string', describe: 'base URL of the system under test, as the pods reach it (a k6 script with absolute URLs needs none)' })
        .option('users', { alias: 'u', type: 'number' }).option('spawn-rate', { alias: 'r', type: 'number' }).option('run-time', { alias: 't', type: 'string' })
        .option('env', { alias: 'e', type: 'string', array: true, nargs: 1, default: [] as string[], describe: 'KEY=VALUE for the scenario (repeatable)' })
        .option('namespace', { type: 'string' })
        .option('kustomize-base', { type: 'boolean', default: false, hidden: true, describe: 'leave out the ConfigMap and the Secret (deploy/kubernetes makes them)' })
        .option('out', { alias: 'o', type: 'string', describe: 'write to FILE instead of stdout' }),
      async (a) => {
        if (!Number.isInteger(a.workers) || a.workers < 1) throw new VolleyError('VOLLEY_BAD_OPTION', `--workers must be a whole number ≥ 1, got ${a.workers}`);
        let text: string;
        try {
          text = await readFile(a.scenario, 'utf8');
        } catch {
          throw new VolleyError('VOLLEY_BAD_OPTION', `--scenario ${a.scenario}: cannot read it`);
        }
        // a k6 script goes as its bundle: its local imports and open()'s files travel inside it
        const [{ bundleScenario }, { isK6Bundle }] = await Promise.all([import('../bundle.js'), import('../k6/k6-bundle.js')]);
        const bundle = await bundleScenario(a.scenario);
        const k6Script = isK6Bundle(bundle.code);
        if (k6Script) text = bundle.code;
        if (!a.host && !k6Script) throw new VolleyError('VOLLEY_BAD_OPTION', '--host is required: the base URL of the system under test, as the pods reach it');
        const k6 = k6Load(a);
        const runArgs: string[] = [];
        if (k6?.vus !== undefined && (k6.duration !== undefined || k6.iterations !== undefined)) runArgs.push('--vus', String(k6.vus));
        if (k6?.duration !== undefined) runArgs.push('--duration', k6.duration);
        if (k6?.iterations !== undefined) runArgs.push('--iterations', String(k6.iterations));
        for (const st of k6?.stages ?? []) runArgs.push('--stage', `${st.duration}:${st.target}`);
        for (const e of a.env) {
          if (!/^[^=]+=/.test(e)) throw new VolleyError('VOLLEY_BAD_OPTION', `--env ${e}: write KEY=VALUE`);
          runArgs.push('--env', e);
        }
        if (a.users !== undefined) runArgs.push('--users', String(a.users));
        if (a.spawnRate !== undefined) runArgs.push('--spawn-rate', String(a.spawnRate));
        if (a.runTime !== undefined) {
          parseDuration(a.runTime, '--run-time'); // refuse a bad one here, not in the pod
          runArgs.push('--run-time', a.runTime);
        }
        const { renderManifests, manifestsYaml } = await import('../k8s/manifests.js');
        const objects = renderManifests({
          workers: a.workers, image: a.image, scenarioFile: a.scenario, host: a.host, runArgs, namespace: a.namespace,
          scenarioText: a.kustomizeBase ? undefined : text,
          token: a.kustomizeBase ? undefined : randomBytes(24).toString('hex'),
        });
        const yamlText = manifestsYaml(objects);
        if (a.out) await writeFile(a.out, yamlText);
        else process.stdout.write(yamlText);
        if (!a.kustomizeBase) process.stderr.write('volley: the Secret volley-token holds a new random token; keep it, or replace it with your own\n');
      },
    ).demandCommand(1, 'name a k8s command: render'))
    .command(
      'demo-target',
      'run the DID sample server alone',
      (y) => y
        .option('host', { type: 'string', default: '127.0.0.1' })
        .option('port', { type: 'number', default: 8000 })
        .option('rate-limit', { type: 'number', default: 0, describe: 'requests per second per client; over it: 429' })
        .option('latency', { type: 'number', default: 0, describe: 'added latency, ms' }),
      async (a) => {
        const { startDidServer } = await import('@volley/examples/did-api/server');
        const s = await startDidServer({ host: a.host, port: a.port, rateLimit: a.rateLimit, latencyMs: a.latency });
        process.stdout.write(`DID sample server on ${s.url} (counts: ${s.url}/_counts)\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await s.close();
      },
    )
    // the child a coordinator checks a handed scenario in (scenario-child.ts); not for users, so not in --help
    .command('scenario-child <op>', false, (y) => y.positional('op', { type: 'string', choices: ['facts', 'summary'], demandOption: true }), async () => {
      await (await import('./scenario-child.js')).childMain();
    })
    .demandCommand(1, 'name a command; see --help')
    .fail((msg, err) => {
      if (err) throw err;
      process.stderr.write(`volley: ${msg}\n(see volley --help)\n`);
      process.exit(EXIT_BAD_INPUT);
    })
    .help();
}

export async function main(argv = hideBin(process.argv)): Promise<void> {
  try {
    await cli(argv).parseAsync();
  } catch (err) {
    const bad = err instanceof VolleyError && /^VOLLEY_BAD_|VOLLEY_UNAUTHORIZED/.test(err.code);
    process.stderr.write(`volley: ${errorMessage(err)}\n`);
    // exit now: a half-started command may hold timers or sockets open
    process.exit(bad ? EXIT_BAD_INPUT : EXIT_RUN_FAILED);
  }
}

void main();
