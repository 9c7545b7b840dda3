#!/usr/bin/env -S node --max-semi-space-size=64
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { errorMessage, VolleyError } from '@volley/shared';
import { coordinatorCommand } from './commands/coordinator.js';
import { demoTargetCommand } from './commands/demo-target.js';
import { demoCommand } from './commands/demo.js';
import { inspectCommand } from './commands/inspect.js';
import { k8sCommand } from './commands/k8s.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { scaleCommand } from './commands/scale.js';
import { scenarioChildCommand } from './commands/scenario-child.js';
import { startCommand } from './commands/start.js';
import { statusCommand } from './commands/status.js';
import { stopCommand } from './commands/stop.js';
import { workerCommand } from './commands/worker.js';
import { EXIT_BAD_INPUT, EXIT_RUN_FAILED } from './exit-codes.js';
import { VERSION } from './version.js';

// The CLI: one file per command in commands/, each loading what only it
// needs when it runs, so that a worker loads none of the coordinator's
// modules and a run does not load the control client.

/** A scalar option given more than once keeps its last value; an array option keeps them all. */
function lastOneWins(argv: Record<string, unknown>, y?: unknown): void {
  // yargs hands middleware its instance; getOptions() is in its API, not in its types
  const arrays = new Set((y as { getOptions(): { array: string[] } }).getOptions().array);
  for (const [k, v] of Object.entries(argv)) if (k !== '_' && Array.isArray(v) && !arrays.has(k)) argv[k] = v.at(-1);
}

/**
 * yargs renders the whole usage text right after a command's handler
 * begins, to have it at hand should the handler fail (~25 ms on Node 26,
 * while a run's coordinator is still loading). Volley never shows usage
 * on a failure (.fail below, main's catch), so the render is skipped.
 */
function skipHelpRender(_argv: unknown, y?: unknown): void {
  // getInternalMethods() is in yargs's instance, not in its types
  const usage = (y as { getInternalMethods?(): { getUsageInstance(): { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.()
    .getUsageInstance();
  if (usage) usage.cacheHelpMessage = () => undefined;
}

/** Whether this command line asks for help (only then is the usage text shown). */
const asksForHelp = (argv: string[]): boolean => argv.length === 0 || argv.some((a) => a === '--help' || a === '-h' || a === 'help');

export function cli(argv: string[]) {
  // The directory of this program, not the caller's: yargs looks for a
  // package.json upward from it for its version guess (a walk that read
  // every directory up from a deep cwd). And yargs renders the whole usage
  // text at each command to cache it; wrapped, that measured ~15 ms of a
  // process's start, so it is wrapped only when it will be read.
  return (
    yargs(argv, dirname(fileURLToPath(import.meta.url)))
      .wrap(asksForHelp(argv) ? Math.min(80, process.stdout.columns ?? 80) : null)
      .scriptName('volley')
      .version(VERSION)
      .strict()
      // an option given twice: the last one wins, as in most CLIs — except the
      // repeatable ones (--env, --data, --out, --header), which keep every value
      .middleware(lastOneWins, true)
      .middleware(skipHelpRender, true)
      .option('log-level', {
        alias: ['loglevel', 'L'],
        type: 'string',
        describe: "level of logs on stderr: trace, debug, info, warn, error (or Locust's names; default: warn for runs, info for daemons)",
      })
      .command(runCommand)
      .command(demoCommand)
      .command(coordinatorCommand)
      .command(workerCommand)
      .command(startCommand)
      .command(statusCommand)
      .command(scaleCommand)
      .command(stopCommand)
      .command(inspectCommand)
      .command(reportCommand)
      .command(k8sCommand)
      .command(demoTargetCommand)
      // the child a coordinator checks a handed scenario in (scenario-child.ts); not for users, so not in --help
      .command(scenarioChildCommand)
      .demandCommand(1, 'name a command; see --help')
      .fail((msg, err) => {
        if (err) throw err;
        process.stderr.write(`volley: ${msg}\n(see volley --help)\n`);
        process.exit(EXIT_BAD_INPUT);
      })
      .help()
  );
}

export async function main(argv = hideBin(process.argv)): Promise<void> {
  try {
    await cli(argv).parseAsync();
  } catch (err) {
    process.stderr.write(`volley: ${errorMessage(err)}\n`);
    // exit now: a half-started command may hold timers or sockets open
    process.exit(err instanceof VolleyError ? err.exitCode : EXIT_RUN_FAILED);
  }
}

void main();
