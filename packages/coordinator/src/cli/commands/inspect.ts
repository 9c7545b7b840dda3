import { planMaxVus } from '@volley/shared';
import { command } from '../command.js';
import { DEFAULT_FORM_HOST, explicitLoad, k6Load, toStartBody, withK6LoadOptions, withRunOptions } from '../run-options.js';

export const inspectCommand = command(
  'inspect <scenario>',
  'check a scenario and print the run it would make, as JSON (k6 inspect): executors, durations, users, thresholds',
  (y) => withK6LoadOptions(withRunOptions(y.positional('scenario', { type: 'string', demandOption: true }))),
  async (a) => {
    const k6 = k6Load(a);
    const body = toStartBody({ ...a, host: a.host ?? DEFAULT_FORM_HOST }, { expectWorkers: 1 });
    const [{ prepareStart }, { runPlan }] = await Promise.all([import('../prepare.js'), import('../../cluster/start-request.js')]);
    const { body: run } = await prepareStart(a.scenario, body, { explicitLoad: explicitLoad(a), timeScale: a.timeScale, k6 });
    const scenarios = runPlan(run);
    process.stdout.write(
      `${JSON.stringify(
        {
          scenario: run.scenario.name,
          bundleBytes: Buffer.byteLength(run.scenario.code),
          host: run.host,
          durationMs: run.runTimeMs,
          maxVUs: planMaxVus(scenarios),
          gracefulStopMs: run.gracefulStopMs,
          scenarios,
          thresholds: run.thresholds,
          setup: run.setup,
          teardown: run.teardown,
          ...(run.summaryTrendStats ? { summaryTrendStats: run.summaryTrendStats } : {}),
        },
        null,
        2,
      )}\n`,
    );
  },
);
