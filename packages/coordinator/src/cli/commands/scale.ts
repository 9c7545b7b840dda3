import { VolleyError } from '@volley/shared';
import { command } from '../command.js';
import { controlClient, coordinatorOption } from '../control-options.js';

export const scaleCommand = command(
  'scale',
  'change the users of the coordinator’s running run (Locust’s edit of a running test, k6’s scale)',
  (y) =>
    coordinatorOption(y)
      .option('users', { alias: ['u', 'vus'], type: 'number', demandOption: true, describe: 'users from now on' })
      .option('spawn-rate', { alias: 'r', type: 'number', describe: 'users started (or stopped) per second [default: the run’s]' }),
  async (a) => {
    if (!Number.isInteger(a.users) || a.users < 0)
      throw new VolleyError('VOLLEY_BAD_OPTION', `--users must be a whole number ≥ 0, got ${a.users}`);
    if (a.spawnRate !== undefined && !(a.spawnRate > 0))
      throw new VolleyError('VOLLEY_BAD_OPTION', `--spawn-rate must be above 0, got ${a.spawnRate}`);
    const client = await controlClient(a);
    const s = await client.scale({ users: a.users, spawnRate: a.spawnRate });
    process.stdout.write(`scaling ${s.id} to ${a.users} users\n`);
  },
);
