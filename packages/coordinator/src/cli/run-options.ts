import type { Argv } from 'yargs';
import { NO_HOST, parseByteSize, parseDuration, VolleyError } from '@volley/shared';
import type { K6Options } from '@volley/shared/scenario';
import type { StartRunBody } from '../api/schema.js';
import type { ReportTargets } from '../report/write.js';
import { loadPem } from './token.js';
import { parseTrendStats } from '../aggregate/trend-stats.js';

/** The load and the target: what a run is told on every command that makes one (and what k8s render hands its pods). */
export function withLoadOptions<T>(y: Argv<T>) {
  return y
    .option('users', { alias: 'u', type: 'number', describe: "peak number of concurrent users [default: 1, or the scenario's options]" })
    .option('spawn-rate', { alias: 'r', type: 'number', describe: 'users started per second [default: 1]' })
    .option('run-time', {
      alias: 't',
      type: 'string',
      describe: "how long the run lasts, e.g. 30s, 1m30s [default: 30s, or the scenario's options]",
    })
    .option('host', {
      alias: 'H',
      type: 'string',
      describe: 'base URL of the system under test (a k6 script with absolute URLs needs none)',
    })
    .option('env', {
      alias: 'e',
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'KEY=VALUE visible to the scenario (repeatable)',
      default: [] as string[],
    });
}

/** Options every command that starts a run takes (run, start, demo, coordinator --run). */
export function withRunOptions<T>(y: Argv<T>) {
  return withLoadOptions(y)
    .option('time-scale', {
      type: 'number',
      describe: "multiply the scenario's stage durations (0.05 turns 12 minutes into 36 s)",
      default: 1,
    })
    .option('graceful-stop', {
      alias: 'stop-timeout',
      type: 'string',
      describe: "how long in-flight tasks may finish at the end (Locust's --stop-timeout)",
      default: '30s',
    })
    .option('insecure-skip-tls-verify', { type: 'boolean', describe: 'accept any certificate from the system under test', default: false })
    .option('target-ca', { type: 'string', describe: 'PEM CA to trust for the system under test' })
    .option('target-cert', { type: 'string', describe: 'PEM client certificate for the system under test' })
    .option('target-key', { type: 'string', describe: 'PEM key of --target-cert' })
    .option('connections', {
      type: 'number',
      describe: 'at most N connections per worker and target, shared by its users [default: each user its own, as k6 and Locust]',
    })
    .option('data', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'NAME=FILE: a CSV (header row) or JSON file every VU reads as ctx.files.NAME (repeatable)',
      default: [] as string[],
    })
    .option('expect-workers', { type: 'number', describe: 'wait until this many workers have joined' })
    .option('expect-workers-timeout', { type: 'string', describe: 'how long to wait for them', default: '60s' })
    .option('json', { type: 'string', describe: 'write the summary as k6-shaped JSON to FILE' })
    .option('csv', { type: 'string', describe: 'write Locust-style CSV files with this PREFIX (_stats, _stats_history, _failures)' })
    .option('junit', { type: 'string', describe: 'write JUnit XML to FILE: one test case per threshold' })
    .option('html', { type: 'string', describe: 'write one self-contained HTML report to FILE (opens with no network)' })
    .option('discard-response-bodies', {
      type: 'boolean',
      describe: "k6's: keep no response body (scripts see an empty one); every byte still counts in data_received",
    })
    .option('max-body-size', {
      type: 'string',
      describe: 'keep at most this much of each response body (e.g. 4MB, the default); the rest is counted in data_received, not held',
    })
    .option('http-debug', {
      type: 'string',
      describe: "k6's: workers print each request and response (--http-debug: the heads; --http-debug=full: the bodies too)",
    })
    .option('summary-trend-stats', {
      type: 'string',
      describe:
        "k6's: the statistics each trend shows in the summary, e.g. avg,med,p(95),p(99.9),count [default: avg,min,med,max,p(90),p(95),p(99)]",
    });
}

/**
 * k6's load flags (run, start), as `k6 run` takes them: a plan made from
 * them replaces the script's own (`--vus 50 --duration 1m`: constant-vus;
 * `--iterations`: shared-iterations; `--stage 30s:100`: ramping-vus).
 */
export function withK6LoadOptions<T>(y: Argv<T>) {
  return y
    .option('vus', { type: 'number', describe: "k6's --vus: this many users, all started at once (with --duration or --iterations)" })
    .option('duration', { alias: 'd', type: 'string', describe: "k6's --duration: how long the --vus users run" })
    .option('iterations', {
      alias: 'i',
      type: 'number',
      describe: "k6's --iterations: iterations shared by the --vus users (--duration becomes their time limit)",
    })
    .option('stage', {
      alias: 's',
      type: 'array',
      string: true,
      nargs: 1,
      describe: "k6's --stage DURATION:TARGET: ramp to TARGET users over DURATION (repeatable)",
    });
}

export interface K6LoadArgs {
  vus?: number;
  duration?: string;
  iterations?: number;
  stage?: string[];
  users?: number;
  spawnRate?: number;
  runTime?: string;
}

const bad = (message: string): VolleyError => new VolleyError('VOLLEY_BAD_OPTION', message);

/** k6's load flags as k6's options, or undefined when none is given; refused when mixed with Locust's. */
export function k6Load(a: K6LoadArgs): K6Options | undefined {
  const stage = a.stage ?? [];
  const given = [
    a.vus !== undefined && '--vus',
    a.duration !== undefined && '--duration',
    a.iterations !== undefined && '--iterations',
    stage.length > 0 && '--stage',
  ].filter((f): f is string => !!f);
  if (given.length === 0) return undefined;
  const locust = [
    a.users !== undefined && '--users',
    a.spawnRate !== undefined && '--spawn-rate',
    a.runTime !== undefined && '--run-time',
  ].find((f): f is string => !!f);
  if (locust) throw bad(`${given[0]} sets the load as k6 does and ${locust} as Locust does: use one or the other`);
  if (a.vus !== undefined && !(Number.isInteger(a.vus) && a.vus >= 1)) throw bad(`--vus must be a whole number ≥ 1, got ${a.vus}`);
  if (a.iterations !== undefined && !(Number.isInteger(a.iterations) && a.iterations >= 1))
    throw bad(`--iterations must be a whole number ≥ 1, got ${a.iterations}`);
  if (a.duration !== undefined && parseDuration(a.duration, '--duration') <= 0) throw bad('--duration must be above 0');
  const stages = stage.map((text) => {
    const m = /^([^:]+):(\d+)$/.exec(text);
    if (!m) throw bad(`--stage ${text}: write DURATION:TARGET, e.g. 30s:100`);
    parseDuration(m[1]!, `--stage ${text}`);
    return { duration: m[1]!, target: Number(m[2]) };
  });
  if (stages.length) {
    if (a.duration !== undefined || a.iterations !== undefined)
      throw bad('--stage goes without --duration and --iterations: the stages say how long');
    return { stages };
  }
  if (a.duration === undefined && a.iterations === undefined)
    throw bad('--vus needs --duration, --iterations or --stage: how long, or how much, should the users run?');
  return { vus: a.vus ?? 1, duration: a.duration, iterations: a.iterations };
}

/**
 * Locust's spellings on `volley run`, so that a `locust -f FILE …` line
 * runs with `locust` changed to `volley run`, and behaves as Locust's
 * does: -f names the file, and without --headless opens the web UI
 * (--web-host, --web-port, --autostart, --autoquit as Locust's); a file
 * named as the first argument runs at once, as `k6 run` does.
 * --exit-code-on-error as Locust's, but off unless given (Volley exits as
 * k6 does: 0 unless a threshold failed).
 */
export function withLocustOptions<T>(y: Argv<T>) {
  return y
    .option('locustfile', {
      alias: 'f',
      type: 'string',
      describe:
        "Locust's -f: the scenario file; without --headless, opens the web UI to start runs of it (or name the file as the first argument: it runs at once)",
    })
    .option('headless', { type: 'boolean', describe: "Locust's: with -f, run at once without the web UI" })
    .option('web-host', { type: 'string', describe: 'the web UI listens on this address [default: 127.0.0.1]' })
    .option('web-port', { alias: 'P', type: 'number', describe: 'the web UI listens on this port [default: 8089]' })
    .option('autostart', { type: 'boolean', describe: "start the run at once, the web UI showing it (Locust's)" })
    .option('autoquit', { type: 'number', describe: "with --autostart: quit this many seconds after the run ends (Locust's)" })
    .option('exit-code-on-error', {
      type: 'number',
      describe: "Locust's: exit with this code when any request failed (else, as k6, 0 unless a threshold failed)",
    });
}

/** The host the web UI's form shows when --host is not given. */
export const DEFAULT_FORM_HOST = 'http://127.0.0.1:8000';

export interface WebUiArgs {
  locustfile?: string;
  headless?: boolean;
  webHost?: string;
  webPort?: number;
  autostart?: boolean;
  autoquit?: number;
}

/**
 * Locust's rule: -f without --headless opens the web UI. Its options,
 * checked; undefined when the run is headless (then they are refused:
 * they would do nothing).
 */
export function webUiChoice(a: WebUiArgs): { host: string; port: number; autostart: boolean; autoquitMs?: number } | undefined {
  const given = [
    a.webHost !== undefined && '--web-host',
    a.webPort !== undefined && '--web-port',
    a.autostart && '--autostart',
    a.autoquit !== undefined && '--autoquit',
  ].find((f): f is string => !!f);
  if (a.locustfile === undefined || a.headless) {
    if (given) throw bad(`${given} goes with the web UI, which opens as Locust's does: name the file with -f and leave out --headless`);
    return undefined;
  }
  const port = a.webPort ?? 8089;
  if (!(Number.isInteger(port) && port >= 0 && port <= 65_535))
    throw bad(`--web-port must be a port number from 0 to 65535, got ${a.webPort}`);
  if (a.webHost !== undefined && !/^[\w.:-]+$/.test(a.webHost))
    throw bad(`--web-host ${a.webHost}: write an address or a host name, e.g. 127.0.0.1`);
  if (a.autoquit !== undefined) {
    if (!a.autostart) throw bad('--autoquit goes with --autostart (as in Locust): it counts from the end of the run that starts at once');
    if (!(Number.isFinite(a.autoquit) && a.autoquit >= 0)) throw bad(`--autoquit must be a number of seconds ≥ 0, got ${a.autoquit}`);
  }
  return {
    host: a.webHost ?? '127.0.0.1',
    port,
    autostart: !!a.autostart,
    autoquitMs: a.autoquit === undefined ? undefined : Math.round(a.autoquit * 1000),
  };
}

/** The exit code --exit-code-on-error asks for, checked before the run. */
export function exitCodeOnError(a: { exitCodeOnError?: number }): number | undefined {
  const code = a.exitCodeOnError;
  if (code !== undefined && !(Number.isInteger(code) && code >= 0 && code <= 255))
    throw bad(`--exit-code-on-error must be a whole number from 0 to 255, got ${code}`);
  return code;
}

/** The scenario file, named as the first argument or by -f (not both, unless the same). */
export function scenarioFile(a: { scenario?: string; locustfile?: string }): string | undefined {
  if (a.scenario !== undefined && a.locustfile !== undefined && a.scenario !== a.locustfile) {
    throw bad(`two scenario files: ${a.scenario} and -f ${a.locustfile}; name one`);
  }
  return a.scenario ?? a.locustfile;
}

/** For commands that host the coordinator (run, demo, coordinator). */
export function withJournalOption<T>(y: Argv<T>) {
  return y.option('journal-dir', {
    type: 'string',
    describe: 'where run journals go (rebuild reports with `volley report`)',
    default: 'reports/journal',
  });
}

/** Outputs built from a run's journal (run, demo, report). */
export function withWindowOutputs<T>(y: Argv<T>) {
  return y
    .option('out', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'json=FILE: every second of every series, one JSON object a line (as k6 --out json)',
      default: [] as string[],
    })
    .option('hdr-log', { type: 'string', describe: 'write an HdrHistogram interval log per request name: PREFIX_<name>.hlog' })
    .option('csv-full-history', {
      type: 'boolean',
      describe: "Locust's: with --csv, the stats history gets a row per request each second, not only the Aggregated one",
    });
}

export function windowTargets(a: { out: string[]; hdrLog?: string; csv?: string; csvFullHistory?: boolean }): {
  outJson?: string;
  hdrLog?: string;
  csvFullHistory?: string;
} {
  if (a.csvFullHistory && a.csv === undefined) throw new VolleyError('VOLLEY_BAD_OPTION', '--csv-full-history goes with --csv PREFIX');
  let outJson: string | undefined;
  for (const o of a.out) {
    const m = /^json=(.+)$/.exec(o);
    if (!m) throw new VolleyError('VOLLEY_BAD_OPTION', `--out ${o}: write json=FILE (the only output so far)`);
    outJson = m[1];
  }
  return { outJson, hdrLog: a.hdrLog, ...(a.csvFullHistory ? { csvFullHistory: a.csv } : {}) };
}

export interface RunArgs {
  users?: number;
  spawnRate?: number;
  runTime?: string;
  timeScale: number;
  host?: string;
  gracefulStop: string;
  env: string[];
  data: string[];
  insecureSkipTlsVerify: boolean;
  targetCa?: string;
  targetCert?: string;
  targetKey?: string;
  connections?: number;
  expectWorkers?: number;
  expectWorkersTimeout: string;
  json?: string;
  csv?: string;
  junit?: string;
  html?: string;
  summaryTrendStats?: string;
  httpDebug?: string;
  maxBodySize?: string;
  discardResponseBodies?: boolean;
}

function targetTls(a: RunArgs): StartRunBody['targetTls'] {
  if (!!a.targetCert !== !!a.targetKey) throw new VolleyError('VOLLEY_BAD_OPTION', '--target-cert and --target-key go together');
  const tls = {
    insecure: a.insecureSkipTlsVerify || undefined,
    ca: loadPem('--target-ca', a.targetCa),
    cert: loadPem('--target-cert', a.targetCert),
    key: loadPem('--target-key', a.targetKey),
  };
  return Object.values(tls).some((v) => v !== undefined) ? tls : undefined;
}

function parseEnv(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf('=');
    if (i <= 0) throw new VolleyError('VOLLEY_BAD_OPTION', `--env ${p}: write KEY=VALUE`);
    env[p.slice(0, i)] = p.slice(i + 1);
  }
  return env;
}

/** k6's --http-debug: bare, the heads; =full, the bodies too. */
function httpDebugLevel(value: string): 'headers' | 'full' {
  if (value === '' || value === 'headers') return 'headers';
  if (value === 'full') return 'full';
  throw new VolleyError('VOLLEY_BAD_OPTION', `--http-debug ${value}: write --http-debug (the heads) or --http-debug=full (the bodies too)`);
}

/** Whether the command line set the load itself (then a scenario's own stages are not used). */
export function explicitLoad(a: RunArgs): boolean {
  return a.users !== undefined || a.runTime !== undefined || a.spawnRate !== undefined;
}

/** Checks the options and turns them into a start request (less the scenario). */
export function toStartBody(given: RunArgs, defaults: { expectWorkers: number }): Omit<StartRunBody, 'scenario'> {
  const a = { ...given, users: given.users ?? 1, spawnRate: given.spawnRate ?? 1, runTime: given.runTime ?? '30s' };
  if (!(a.timeScale > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--time-scale must be above 0, got ${a.timeScale}`);
  // without --host, only a k6 script (absolute URLs) can run: prepareStart says so for the others
  const host = a.host ?? NO_HOST;
  let url: URL;
  try {
    url = new URL(host);
  } catch {
    throw new VolleyError('VOLLEY_BAD_OPTION', `--host ${a.host}: not a URL; write e.g. http://localhost:8000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new VolleyError('VOLLEY_BAD_OPTION', `--host ${a.host}: only http and https are supported`);
  if (!Number.isInteger(a.users) || a.users < 0)
    throw new VolleyError('VOLLEY_BAD_OPTION', `--users must be a whole number ≥ 0, got ${a.users}`);
  if (!(a.spawnRate > 0)) throw new VolleyError('VOLLEY_BAD_OPTION', `--spawn-rate must be above 0, got ${a.spawnRate}`);
  const runTimeMs = parseDuration(a.runTime, '--run-time');
  if (runTimeMs <= 0) throw new VolleyError('VOLLEY_BAD_OPTION', '--run-time must be above 0');
  if (a.connections !== undefined && !(Number.isInteger(a.connections) && a.connections >= 1))
    throw new VolleyError('VOLLEY_BAD_OPTION', `--connections must be a whole number ≥ 1, got ${a.connections}`);
  const expectWorkers = a.expectWorkers ?? defaults.expectWorkers;
  if (!Number.isInteger(expectWorkers) || expectWorkers < 1)
    throw new VolleyError('VOLLEY_BAD_OPTION', `--expect-workers must be a whole number ≥ 1, got ${expectWorkers}`);
  return {
    host: url.href.replace(/\/$/, ''),
    users: a.users,
    spawnRate: a.spawnRate,
    runTimeMs,
    gracefulStopMs: parseDuration(a.gracefulStop, '--graceful-stop'),
    env: parseEnv(a.env),
    targetTls: targetTls(a),
    ...(a.connections !== undefined ? { connections: a.connections } : {}),
    expectWorkers,
    expectWorkersTimeoutMs: parseDuration(a.expectWorkersTimeout, '--expect-workers-timeout'),
    ...(a.summaryTrendStats !== undefined ? { summaryTrendStats: parseTrendStats(a.summaryTrendStats) } : {}),
    ...(a.httpDebug !== undefined ? { httpDebug: httpDebugLevel(a.httpDebug) } : {}),
    ...(a.maxBodySize !== undefined ? { maxBodyBytes: parseByteSize(a.maxBodySize, '--max-body-size') } : {}),
    ...(a.discardResponseBodies ? { maxBodyBytes: 0 } : {}),
  };
}

export function reportTargets(a: RunArgs): ReportTargets {
  return { json: a.json, csv: a.csv, junit: a.junit, html: a.html };
}
