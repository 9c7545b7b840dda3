import type { RunSummary } from '../aggregate/summary.js';
import { renderText } from '../report/text.js';
import { writeReports, writeWindowReports, type WindowTargets } from '../report/write.js';
import { reportTargets, type RunArgs } from './run-options.js';

/** Exit codes: 0 done, 1 the run failed, 2 bad input, 99 a threshold failed (as k6). */
export const EXIT_BAD_INPUT = 2;
export const EXIT_RUN_FAILED = 1;
export const EXIT_THRESHOLDS_FAILED = 99;

/** The end of a run on this terminal: the summary, the reports asked for, and the exit code its thresholds give. */
export async function finish(summary: RunSummary, args: RunArgs, journal?: string, windows: WindowTargets = {}): Promise<void> {
  process.stdout.write('\n' + renderText(summary));
  const written = await writeReports(summary, reportTargets(args));
  if (journal) written.push(...(await writeWindowReports(journal, windows)));
  if (journal) process.stdout.write(`journal: ${journal}\n`);
  if (summary.thresholds.some((t) => !t.ok)) process.exitCode = EXIT_THRESHOLDS_FAILED;
  for (const f of written) process.stdout.write(`report: ${f}\n`);
}
