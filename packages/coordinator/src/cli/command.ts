import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';

/** What every command is given besides its own options: the root's --log-level. */
export interface GlobalArgs {
  'log-level': string | undefined;
}

/**
 * One CLI command as a yargs command module: its options and what it does,
 * the handler typed from the options the builder declares. Each command
 * loads what only it needs when it runs (`await import`): a Node
 * process's start is mostly loading modules, and a local run starts two.
 */
export function command<U>(
  name: string,
  describe: string | false,
  builder: (y: Argv<GlobalArgs>) => Argv<U>,
  handler: (a: ArgumentsCamelCase<U>) => Promise<void>,
): CommandModule<GlobalArgs, U> {
  return { command: name, describe, builder, handler };
}

/** Writes the summary and reports of a finished run (loaded when a run ends, not at start). */
export const finish = async (...args: Parameters<typeof import('./finish.js').finish>): Promise<void> =>
  (await import('./finish.js')).finish(...args);
