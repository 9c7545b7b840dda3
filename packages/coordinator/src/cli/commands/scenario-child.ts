import { command } from '../command.js';

// the child a coordinator checks a handed scenario in (scenario-child.ts); not for users, so not in --help
export const scenarioChildCommand = command(
  'scenario-child <op>',
  false,
  (y) => y.positional('op', { type: 'string', choices: ['facts', 'summary'], demandOption: true }),
  async () => {
    await (await import('../scenario-child.js')).childMain();
  },
);
