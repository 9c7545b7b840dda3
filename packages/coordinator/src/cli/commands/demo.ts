import { join } from 'node:path';
import { VolleyError } from '@volley/shared';
import { command, finish } from '../command.js';
import { EXIT_RUN_FAILED } from '../exit-codes.js';
import { makeLogger } from '../log.js';
import { k6Load, toStartBody, windowTargets, withJournalOption, withRunOptions, withWindowOutputs } from '../run-options.js';

export const demoCommand = command(
  'demo',
  "the guide's scenario against the bundled DID sample server: 2 local workers, 200 users at 50/s for 30 s",
  (y) =>
    withWindowOutputs(withJournalOption(withRunOptions(y)))
      .option('workers', { alias: 'w', type: 'number', default: 2 })
      .option('k6', {
        type: 'boolean',
        describe: "run the guide's k6 script as it is (examples/did-api/k6-test.js): 50 VUs for 30 s, or --vus and --duration",
      })
      .option('vus', { type: 'number', describe: 'with --k6: VUs [default: 50]' })
      .option('duration', { alias: 'd', type: 'string', describe: 'with --k6: how long [default: 30s]' })
      .default('users', 200)
      .default('spawn-rate', 50)
      .default('run-time', '30s')
      .default('json', 'reports/summary.json')
      .default('csv', 'reports/volley')
      .default('html', 'reports/report.html'),
  async (a) => {
    const log = makeLogger(a.logLevel, 'warn');
    const body = toStartBody({ ...a, host: a.host ?? 'http://127.0.0.1:1' }, { expectWorkers: a.workers });
    const windows = windowTargets(a);
    if ((a.vus !== undefined || a.duration !== undefined) && !a.k6)
      throw new VolleyError('VOLLEY_BAD_OPTION', '--vus and --duration go with --k6');
    const k6 = a.k6 ? (k6Load({ vus: a.vus ?? 50, duration: a.duration ?? '30s' }) as { vus: number; duration: string }) : undefined;
    process.stderr.write(
      k6
        ? `demo: DID sample server + coordinator + ${a.workers} workers; the guide's k6 script as it is, ${k6.vus} VUs for ${k6.duration}\n`
        : `demo: DID sample server + coordinator + ${a.workers} workers; ${a.users} users at ${a.spawnRate}/s for ${a.runTime}\n`,
    );
    const { runDemo } = await import('../demo.js');
    const { summary, compared } = await runDemo({ workers: a.workers, log, body, journalDir: a.journalDir, k6 });
    await finish(summary, a, join(a.journalDir, `${summary.run.id}.jsonl`), windows);
    process.stdout.write('\nWhat the sample server answered, per route, against the report:\n');
    for (const c of compared)
      process.stdout.write(
        `  ${c.route.padEnd(26)} server ${String(c.server).padStart(6)}   report ${String(c.report).padStart(6)}   ${c.server === c.report ? 'equal' : 'DIFFERENT'}\n`,
      );
    if (k6 && summary.thresholds.some((t) => t.metric === 'http_req_failed' && !t.ok))
      process.stdout.write(
        "\nAs in k6, the script counts the API's expected 401 and 409 answers in http_req_failed (it sets no expectedStatuses), so its 'rate<0.01' threshold fails: exit 99.\n",
      );
    if (compared.some((c) => c.server !== c.report)) process.exitCode = EXIT_RUN_FAILED;
  },
);
