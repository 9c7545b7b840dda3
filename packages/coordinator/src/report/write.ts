import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { renderHtml, type HtmlAssets } from './html.js';
import { hdrLogs, windowLines } from './windows-out.js';
import { mergedWindows } from '../journal/windows.js';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../aggregate/summary.js';
import { renderK6Json } from './k6-json.js';
import { renderLocustFailuresCsv, renderLocustFullHistoryCsv, renderLocustHistoryCsv, renderLocustStatsCsv } from './locust-csv.js';
import { renderJunit } from './junit.js';
import { shipped } from '../shipped.js';

export interface ReportTargets {
  /** k6-shaped summary JSON */
  json?: string;
  /** Locust CSV prefix: PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv */
  csv?: string;
  /** JUnit XML, one test case per threshold */
  junit?: string;
  /** one self-contained HTML page */
  html?: string;
}

const require = createRequire(import.meta.url);

/** A page script of src/browser/: shipped built beside the CLI, or bundled from source (a checkout's tests). */
async function pageScript(name: 'dashboard' | 'report-charts'): Promise<string> {
  const built = shipped(`assets/${name}.js`);
  if (built) return readFile(built, 'utf8');
  const { build } = require('esbuild') as typeof import('esbuild');
  const out = await build({
    entryPoints: [fileURLToPath(new URL(`../browser/${name}.ts`, import.meta.url))],
    bundle: true,
    platform: 'browser',
    target: 'es2022',
    format: 'iife',
    write: false,
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

/** uPlot, read from its package, and the pages' own scripts: all inlined, so a report opens with no network. */
export async function loadHtmlAssets(): Promise<HtmlAssets> {
  const [uplotJs, uplotCss, dashboardJs, reportJs] = await Promise.all([
    readFile(shipped('assets/uPlot.iife.min.js') ?? require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    readFile(shipped('assets/uPlot.min.css') ?? require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    pageScript('dashboard'),
    pageScript('report-charts'),
  ]);
  return { uplotJs, uplotCss, dashboardJs, reportJs };
}

/** Writes the requested reports; returns the paths written. */
/**
 * Writes one report or output file, its directories made: readable by this
 * user only (0600; new directories 0700), since what a run measured, its
 * parameters and its failures' texts are no other local user's business.
 */
export async function writePrivate(path: string, content: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, content, { mode: 0o600 });
}

export async function writeReports(summary: RunSummary, targets: ReportTargets): Promise<string[]> {
  const files: [string, string][] = [];
  if (targets.json) files.push([resolve(targets.json), renderK6Json(summary)]);
  if (targets.csv) {
    files.push([resolve(`${targets.csv}_stats.csv`), renderLocustStatsCsv(summary)]);
    files.push([resolve(`${targets.csv}_stats_history.csv`), renderLocustHistoryCsv(summary)]);
    files.push([resolve(`${targets.csv}_failures.csv`), renderLocustFailuresCsv(summary)]);
  }
  if (targets.junit) files.push([resolve(targets.junit), renderJunit(summary)]);
  if (targets.html) files.push([resolve(targets.html), renderHtml(summary, await loadHtmlAssets())]);
  for (const [path, text] of files) await writePrivate(path, text);
  return files.map(([p]) => p);
}

export interface WindowTargets {
  /** `--out json=FILE`: every window of every series, one JSON object a line */
  outJson?: string;
  /** `--hdr-log PREFIX`: PREFIX_<name>.hlog per request name */
  hdrLog?: string;
  /** `--csv PREFIX --csv-full-history`: PREFIX_stats_history.csv with a row per request each second (Locust's) */
  csvFullHistory?: string;
}

/** Writes the per-second outputs, merged again from the run's journal. */
export async function writeWindowReports(journalFile: string, targets: WindowTargets, summary?: RunSummary): Promise<string[]> {
  if (!targets.outJson && !targets.hdrLog && !targets.csvFullHistory) return [];
  const text = await readFile(journalFile, 'utf8');
  const written: string[] = [];
  if (targets.csvFullHistory && summary) {
    // in place of the Aggregated-only history writeReports wrote
    const path = resolve(`${targets.csvFullHistory}_stats_history.csv`);
    await writePrivate(path, renderLocustFullHistoryCsv(summary, mergedWindows(text, journalFile)));
  }
  if (targets.outJson) {
    const path = resolve(targets.outJson);
    const lines: string[] = [];
    for (const line of windowLines(mergedWindows(text, journalFile))) lines.push(line);
    await writePrivate(path, `${lines.join('\n')}\n`);
    written.push(path);
  }
  if (targets.hdrLog) {
    let startMs = 0;
    const first = /"startedAt":"([^"]+)"/.exec(text);
    if (first) startMs = Date.parse(first[1]!);
    for (const [name, log] of await hdrLogs(mergedWindows(text, journalFile), startMs)) {
      const path = resolve(`${targets.hdrLog}_${name.replace(/[^\w.-]+/g, '_')}.hlog`);
      await writePrivate(path, log);
      written.push(path);
    }
  }
  return written;
}
