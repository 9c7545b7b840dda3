import { errorMessage } from '@volley/shared';
import type { RunSummary } from '../aggregate/summary.js';
import { writeSummaryFiles, type SummaryHandler, type SummaryOutputs } from './handle-summary.js';
import { renderText } from '../report/text.js';
import { writeReports, writeWindowReports, type WindowTargets } from '../report/write.js';
import { reportTargets, type RunArgs } from './run-options.js';
import { EXIT_SCRIPT_ABORTED, EXIT_THRESHOLDS_FAILED } from './exit-codes.js';

/**
 * The end of a run on this terminal: the summary, the reports asked for,
 * and the exit code its thresholds give. With a scenario's handleSummary
 * (k6's), what it returns is printed and written instead of the default
 * summary; if it fails, that is said and the default follows (as k6 does).
 */
export async function finish(
  summary: RunSummary,
  args: RunArgs,
  journal?: string,
  windows: WindowTargets = {},
  handleSummary?: SummaryHandler,
): Promise<void> {
  let custom: SummaryOutputs | undefined;
  if (handleSummary) {
    try {
      custom = await handleSummary(summary);
    } catch (err) {
      process.stderr.write(`volley: ${errorMessage(err)}; the default summary follows\n`);
    }
  }
  if (!custom) process.stdout.write(`\n${renderText(summary)}`);
  if (custom?.stdout) process.stdout.write(custom.stdout);
  if (custom?.stderr) process.stderr.write(custom.stderr);
  // the journal first: if a report cannot be written, `volley report` can still make it from there
  if (journal) process.stdout.write(`journal: ${journal}\n`);
  const written = [...(custom ? await writeSummaryFiles(custom.files) : []), ...(await writeReports(summary, reportTargets(args)))];
  if (journal) written.push(...(await writeWindowReports(journal, windows, summary)));
  if (summary.thresholds.some((t) => !t.ok)) process.exitCode = EXIT_THRESHOLDS_FAILED;
  if (summary.run.events.some((e) => e.kind === 'script-abort')) process.exitCode = EXIT_SCRIPT_ABORTED;
  for (const f of written) process.stdout.write(`report: ${f}\n`);
}
