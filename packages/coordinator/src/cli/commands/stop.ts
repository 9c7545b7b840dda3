import { command } from '../command.js';
import { controlClient, coordinatorOption } from '../control-options.js';

export const stopCommand = command(
  'stop',
  'stop the coordinator’s current run (reports are still written)',
  (y) => coordinatorOption(y),
  async (a) => {
    const client = await controlClient(a);
    const s = await client.stop();
    process.stdout.write(`stopping ${s.id}\n`);
  },
);
