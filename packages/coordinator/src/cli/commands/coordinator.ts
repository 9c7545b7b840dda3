import { join } from 'node:path';
import { BROWSER_BARRED_PORTS, formatDuration, parseDuration, VolleyError } from '@volley/shared';
import { DEFAULT_LIMITS } from '../../cluster/limits.js';
import { command, finish } from '../command.js';
import { tokenOptions } from '../control-options.js';
import { makeLogger } from '../log.js';
import { loadDataFiles } from '../data-files.js';
import { explicitLoad, k6Load, toStartBody, withJournalOption, withK6LoadOptions, withRunOptions } from '../run-options.js';
import { loadPem, loadToken } from '../token.js';

function parseListen(listen: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(listen);
  if (!m) throw new VolleyError('VOLLEY_BAD_OPTION', `--listen ${listen}: write HOST:PORT, e.g. 0.0.0.0:7000`);
  return { host: m[1] ?? m[2]!, port: Number(m[3]) };
}

export const coordinatorCommand = command(
  'coordinator',
  'run a coordinator that workers join and clients start runs on',
  (y) =>
    withJournalOption(withK6LoadOptions(withRunOptions(tokenOptions(y))))
      .option('listen', { type: 'string', describe: 'HOST:PORT for workers and the control API', default: '127.0.0.1:7000' })
      .option('scenarios', { type: 'string', describe: 'a directory of scenario files the web dashboard (GET /) may start' })
      .option('worker-token-file', { type: 'string', describe: 'a separate token for workers (the control API keeps --token-file)' })
      .option('tls-cert', { type: 'string', describe: 'PEM certificate: serve https and wss' })
      .option('tls-key', { type: 'string', describe: 'PEM private key for --tls-cert' })
      .option('run', {
        type: 'string',
        describe:
          "run this scenario once --expect-workers have joined, write the reports, and exit with the run's exit code (a Kubernetes Job); the run options below go with it",
      })
      // pods of a Kubernetes Job may take minutes to be scheduled
      .default('expect-workers-timeout', '10m')
      .option('max-users', { type: 'number', default: DEFAULT_LIMITS.maxUsers, describe: 'refuse start requests for more users than this' })
      .option('max-rate', {
        type: 'number',
        default: DEFAULT_LIMITS.maxRatePerSecond,
        describe: 'refuse start requests for a higher arrival rate (iterations/s)',
      })
      .option('max-duration', {
        type: 'string',
        default: formatDuration(DEFAULT_LIMITS.maxDurationMs),
        describe: 'refuse start requests for longer runs',
      }),
  async (a) => {
    const log = makeLogger(a.logLevel, 'info');
    for (const [name, v] of [
      ['--max-users', a.maxUsers],
      ['--max-rate', a.maxRate],
    ] as const) {
      if (!(v > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `${name} must be above 0, got ${v}`);
    }
    const limits = { maxUsers: a.maxUsers, maxRatePerSecond: a.maxRate, maxDurationMs: parseDuration(a.maxDuration, '--max-duration') };
    const { host, port } = parseListen(a.listen);
    // with --run, check everything before listening: a bad scenario or option exits 2 at once
    const [{ prepareStart }, { Cluster }, { assertMayListen, startServer }, { directoryCatalog }] = await Promise.all([
      import('../prepare.js'),
      import('../../cluster/cluster.js'),
      import('../../server.js'),
      import('../../dashboard/scenarios.js'),
    ]);
    const body = a.run ? { ...toStartBody(a, { expectWorkers: 1 }), files: await loadDataFiles(a.data) } : undefined;
    const prepared =
      a.run && body ? await prepareStart(a.run, body, { explicitLoad: explicitLoad(a), timeScale: a.timeScale, k6: k6Load(a) }) : undefined;
    const token = loadToken(a.tokenFile, a.token);
    const workerToken = a.workerTokenFile ? loadToken(a.workerTokenFile) : undefined;
    const cert = loadPem('--tls-cert', a.tlsCert);
    const key = loadPem('--tls-key', a.tlsKey);
    if (!!cert !== !!key) throw new VolleyError('VOLLEY_BAD_OPTION', '--tls-cert and --tls-key go together');
    assertMayListen(host, token);
    const cluster = new Cluster(log, { journalDir: a.journalDir, limits });
    const server = await startServer({
      host,
      port,
      token,
      workerToken,
      tls: cert && key ? { cert, key } : undefined,
      cluster,
      log,
      scenarios: directoryCatalog(a.scenarios),
    });
    process.stdout.write(
      `coordinator listening on ${server.url} (workers: ${server.workerUrl}; dashboard: ${server.url}/${token ? '?token=…' : ''})\n`,
    );
    if (BROWSER_BARRED_PORTS.has(port))
      process.stderr.write(
        `volley: browsers refuse port ${port} (the fetch standard's bad ports): the dashboard will not open there; workers and the volley CLI are not affected\n`,
      );
    if (prepared) {
      // one run, then exit with its code (a Job's status is the verdict)
      const onSignal = (): void => void cluster.stop('coordinator shutting down');
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      try {
        const summary = await cluster.start(prepared.body).finished;
        await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), {}, prepared.handleSummary);
        const { renderK6Json } = await import('../../report/k6-json.js');
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
);
