import { hostname } from 'node:os';
import { VolleyError } from '@volley/shared';
import { command } from '../command.js';
import { tokenOptions } from '../control-options.js';
import { makeLogger } from '../log.js';
import { loadPem, loadToken } from '../token.js';
import { VERSION } from '../version.js';

export const workerCommand = command(
  'worker',
  'join a coordinator and run the users it assigns',
  (y) =>
    tokenOptions(y)
      .option('coordinator', { alias: 'c', type: 'string', describe: 'ws://HOST:PORT (or wss://) of the coordinator', demandOption: true })
      .option('tls-ca', { type: 'string', describe: 'PEM CA to trust for a wss coordinator' })
      .option('name', { type: 'string', describe: 'this worker’s name in reports' })
      .option('cores', { type: 'number', describe: 'weight of this worker’s share (default: its cores)' })
      .option('http-parser', {
        type: 'string',
        choices: ['auto', 'native', 'js'],
        describe:
          "response parser: Node's own llhttp (native), the public http-parser-js (js), or native where this Node has it (auto; also VOLLEY_HTTP_PARSER)",
      })
      .option('exit-on-disconnect', { type: 'boolean', default: false, hidden: true }),
  async (a) => {
    const log = makeLogger(a.logLevel, 'info');
    if (!/^wss?:\/\//.test(a.coordinator))
      throw new VolleyError('VOLLEY_BAD_OPTION', `--coordinator ${a.coordinator}: write ws://HOST:PORT`);
    const { runWorker } = await import('@volley/worker');
    const code = await runWorker({
      signals: ['SIGINT', 'SIGTERM'],
      coordinator: a.coordinator,
      token: loadToken(a.tokenFile, a.token),
      ca: loadPem('--tls-ca', a.tlsCa),
      // a pod of an Indexed Job knows its index
      name:
        a.name ??
        (process.env.JOB_COMPLETION_INDEX !== undefined ? `worker-${process.env.JOB_COMPLETION_INDEX}` : `${hostname()}-${process.pid}`),
      cores: a.cores,
      log,
      exitOnDisconnect: a.exitOnDisconnect,
      version: VERSION,
      httpParser: a.httpParser as 'auto' | 'native' | 'js' | undefined,
    });
    process.exitCode = code;
  },
);
