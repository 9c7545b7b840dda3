import { readFile } from 'node:fs/promises';
import { VolleyError } from '@volley/shared';
import { command } from '../command.js';
import { EXIT_SCRIPT_ABORTED, EXIT_THRESHOLDS_FAILED } from '../exit-codes.js';
import { windowTargets, withWindowOutputs } from '../run-options.js';

export const reportCommand = command(
  'report <journal>',
  'rebuild the summary and reports of a run from its journal (e.g. after a crash)',
  (y) =>
    withWindowOutputs(y.positional('journal', { type: 'string', demandOption: true }))
      .option('json', { type: 'string', describe: 'k6-shaped summary JSON' })
      .option('csv', { type: 'string', describe: 'Locust CSV prefix' })
      .option('junit', { type: 'string', describe: 'JUnit XML file' })
      .option('html', { type: 'string', describe: 'self-contained HTML report' }),
  async (a) => {
    let text: string;
    try {
      text = await readFile(a.journal, 'utf8');
    } catch (err) {
      throw new VolleyError('VOLLEY_BAD_OPTION', `${a.journal}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const [{ replayJournal }, { renderText }, { writeReports, writeWindowReports }] = await Promise.all([
      import('../../journal/replay.js'),
      import('../../report/text.js'),
      import('../../report/write.js'),
    ]);
    const { summary, complete, skipped } = replayJournal(text, a.journal);
    if (!complete)
      process.stderr.write(
        `volley: ${a.journal} has no end record (the coordinator stopped early); the summary covers the windows recorded${skipped ? `; skipped a last line cut short` : ''}\n`,
      );
    process.stdout.write(renderText(summary));
    for (const f of await writeReports(summary, { json: a.json, csv: a.csv, junit: a.junit, html: a.html }))
      process.stdout.write(`report: ${f}\n`);
    for (const f of await writeWindowReports(a.journal, windowTargets(a), summary)) process.stdout.write(`report: ${f}\n`);
    if (summary.thresholds.some((t) => !t.ok)) process.exitCode = EXIT_THRESHOLDS_FAILED;
    if (summary.run.events.some((e) => e.kind === 'script-abort')) process.exitCode = EXIT_SCRIPT_ABORTED;
  },
);
