import { errorMessage } from '@volley/shared';
import { z } from '@volley/shared/zod';
import { beginWarmUp, runWorker, WARM_UP_MIN } from '@volley/worker';
import { LOCAL_WORKER_HELLO, type LocalWorkerConfig } from './local-worker-config.js';
import { makeLogger } from './log.js';
import { VERSION } from './version.js';

/**
 * A local worker's process (local-workers.ts): the bin comes here without
 * loading the CLI. It begins its warm-up at once (the least any run needs:
 * its prepare asks for the rest), then waits on its IPC
 * channel to be told its coordinator: `volley run` starts it before its
 * own coordinator listens, so that the two processes load side by side.
 */
export const LocalWorkerConfigSchema: z.ZodMiniType<LocalWorkerConfig> = z.strictObject({
  type: z.literal('join'),
  coordinator: z.string().check(z.regex(/^wss?:\/\//)),
  token: z.string().check(z.minLength(1)),
  name: z.string().check(z.minLength(1)),
  logLevel: z.string(),
});

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('volley: a local worker is started by `volley run`, with an IPC channel; use `volley worker`\n');
    process.exit(2);
  }
  beginWarmUp(WARM_UP_MIN);
  const message = await new Promise<unknown>((resolve) => {
    process.once('message', resolve);
    // its parent went before saying where to go (or while this loaded)
    process.once('disconnect', () => process.exit(0));
    if (!process.connected) process.exit(0);
    process.send!(LOCAL_WORKER_HELLO, undefined, {}, (err) => {
      if (err) process.exit(0);
    });
  });
  const parsed = LocalWorkerConfigSchema.safeParse(message);
  if (!parsed.success) {
    process.stderr.write(`volley: local worker: bad message from its parent: ${z.prettifyError(parsed.error)}\n`);
    process.exit(2);
  }
  const config = parsed.data;
  // the coordinator's link says when to go from here on
  process.removeAllListeners('disconnect');
  process.disconnect();
  const log = makeLogger(config.logLevel, 'warn');
  process.exitCode = await runWorker({
    signals: ['SIGINT', 'SIGTERM'],
    coordinator: config.coordinator,
    token: config.token,
    name: config.name,
    log,
    exitOnDisconnect: true,
    sameClock: true,
    version: VERSION,
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`volley: local worker: ${errorMessage(err)}\n`);
  process.exit(1);
});
