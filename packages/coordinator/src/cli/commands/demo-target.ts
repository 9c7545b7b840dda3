import { command } from '../command.js';

export const demoTargetCommand = command(
  'demo-target',
  'run the DID sample server alone',
  (y) =>
    y
      .option('host', { type: 'string', default: '127.0.0.1' })
      .option('port', { type: 'number', default: 8000 })
      .option('rate-limit', { type: 'number', default: 0, describe: 'requests per second per client; over it: 429' })
      .option('latency', { type: 'number', default: 0, describe: 'added latency, ms' }),
  async (a) => {
    const { startDidServer } = await import('../../demo/did-server.js');
    const s = await startDidServer({ host: a.host, port: a.port, rateLimit: a.rateLimit, latencyMs: a.latency });
    process.stdout.write(`DID sample server on ${s.url} (counts: ${s.url}/_counts)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await s.close();
  },
);
