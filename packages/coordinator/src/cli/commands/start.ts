import { command, finish } from '../command.js';
import { controlClient, coordinatorOption } from '../control-options.js';
import { loadDataFiles } from '../data-files.js';
import { explicitLoad, k6Load, toStartBody, withK6LoadOptions, withRunOptions } from '../run-options.js';

export const startCommand = command(
  'start <scenario>',
  'start a run on a coordinator and follow it to its summary',
  (y) =>
    withK6LoadOptions(coordinatorOption(withRunOptions(y.positional('scenario', { type: 'string', demandOption: true })))).option(
      'detach',
      { type: 'boolean', default: false, describe: 'return once the run has started' },
    ),
  async (a) => {
    const client = await controlClient(a);
    const body = { ...toStartBody(a, { expectWorkers: 1 }), files: await loadDataFiles(a.data) };
    process.once('SIGINT', () => void client.stop().catch(() => undefined));
    const { startRemote } = await import('../remote.js');
    const { id, summary, handleSummary } = await startRemote(client, a.scenario, body, a.detach, 10_000, {
      explicitLoad: explicitLoad(a),
      timeScale: a.timeScale,
      k6: k6Load(a),
    });
    if (!summary) {
      process.stdout.write(`started ${id}\n`);
      return;
    }
    await finish(summary, a, undefined, {}, handleSummary);
  },
);
