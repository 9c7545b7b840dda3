import { command } from '../command.js';
import { controlClient, coordinatorOption } from '../control-options.js';

export const statusCommand = command(
  'status',
  'show the coordinator’s workers and run',
  (y) => coordinatorOption(y),
  async (a) => {
    const client = await controlClient(a);
    const [s, { progressLine }] = await Promise.all([client.status(), import('../progress.js')]);
    process.stdout.write(`workers: ${s.workers.filter((w) => w.connected).length} connected\n`);
    for (const w of s.workers)
      process.stdout.write(
        `  ${w.id} ${w.name} cores=${w.cores} ${w.connected ? 'connected' : 'gone'}${w.runId ? ` run=${w.runId}` : ''}\n`,
      );
    process.stdout.write(
      s.run ? `run ${s.run.id}: ${progressLine(s.run, s.run.elapsedMs)}${s.run.error ? ` (${s.run.error})` : ''}\n` : 'no run yet\n',
    );
  },
);
