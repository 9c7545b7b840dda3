import { spawn } from 'node:child_process';
import { errorMessage, VolleyError, type ScenarioBundle } from '@volley/shared';
import type { K6Options, ScenarioDefinition } from '@volley/shared/scenario';
import type { SummaryOutputs } from './handle-summary.js';

/**
 * Scenario code that a coordinator is handed (a dashboard's catalog) runs
 * in a child process, never in the coordinator's own: there a
 * `process.exit()`, an endless loop or an allocation loop at import ends
 * or starves the child, which is killed at its time limit, and the
 * coordinator answers the request with what went wrong. The child is this
 * same program (`volley scenario-child <op>`, a command not listed in
 * --help): it reads a JSON request on stdin and writes one answer on stdout.
 */

/** What the coordinator needs to know of a scenario without running it: what the plan, thresholds and hooks are. */
export interface ScenarioFacts {
  options?: K6Options;
  thresholds?: ScenarioDefinition['thresholds'];
  setup: boolean;
  teardown: boolean;
  handleSummary: boolean;
  /** a k6 script (absolute URLs; no --host needed), and its options Volley does not follow */
  k6?: { ignored: readonly string[] };
}

export interface ChildLimits {
  timeoutMs: number;
  /** V8's old-generation limit for the child, MB */
  memoryMb: number;
}

export const CHECK_LIMITS: ChildLimits = { timeoutMs: 15_000, memoryMb: 256 };
/** handleSummary may build a large report */
export const SUMMARY_LIMITS: ChildLimits = { timeoutMs: 60_000, memoryMb: 1024 };
const MAX_ANSWER = 64 * 1024 * 1024;

type Request =
  | { op: 'facts'; bundle: ScenarioBundle; env: Record<string, string> }
  | { op: 'summary'; bundle: ScenarioBundle; env: Record<string, string>; data: string };

/** The facts of a scenario, learned in a child. Bad scenarios, and children that die or overstay, throw VolleyError naming the file. */
export function factsIsolated(bundle: ScenarioBundle, env: Record<string, string>, limits = CHECK_LIMITS): Promise<ScenarioFacts> {
  return ask<ScenarioFacts>({ op: 'facts', bundle, env }, limits);
}

/** k6's handleSummary(data), run in a child; `data` is the summary in k6's shape, as JSON text. */
export async function handleSummaryIsolated(
  bundle: ScenarioBundle,
  env: Record<string, string>,
  data: string,
  limits = SUMMARY_LIMITS,
): Promise<SummaryOutputs> {
  const wire = await ask<{ stdout?: string; stderr?: string; files: [string, string, 'utf8' | 'base64'][] }>(
    { op: 'summary', bundle, env, data },
    limits,
  );
  return { ...wire, files: wire.files.map(([path, text, enc]) => [path, enc === 'base64' ? Buffer.from(text, 'base64') : text]) };
}

function ask<T>(req: Request, limits: ChildLimits): Promise<T> {
  const name = req.bundle.name;
  // this program again (the bundle, or the source under tsx: its loader is in execArgv), with a smaller heap
  const child = spawn(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${limits.memoryMb}`, process.argv[1]!, 'scenario-child', req.op],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, VOLLEY_LOG_LEVEL: 'silent' },
    },
  );
  let out = '';
  let err = '';
  let overflow = false;
  child.stdout.on('data', (d: Buffer) => {
    if (out.length + d.length > MAX_ANSWER) {
      overflow = true;
      child.kill('SIGKILL');
    } else out += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-8192)));
  child.stdin.on('error', () => undefined); // a child that died at once: its exit says why
  child.stdin.end(JSON.stringify(req));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limits.timeoutMs);
  const what = req.op === 'facts' ? 'loading it' : 'its handleSummary()';
  return new Promise<T>((resolve, reject) => {
    child.on('error', (e) =>
      reject(new VolleyError('VOLLEY_BAD_SCENARIO', `${name}: cannot start a process to check it: ${errorMessage(e)}`)),
    );
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const fail = (why: string): void => reject(new VolleyError('VOLLEY_BAD_SCENARIO', `${name}: ${why}`));
      if (timedOut) return fail(`${what} took more than ${limits.timeoutMs / 1000} s; it was stopped`);
      if (overflow) return fail(`${what} answered more than ${MAX_ANSWER} bytes`);
      if (/heap out of memory|Allocation failed/i.test(err)) return fail(`${what} used more than ${limits.memoryMb} MB; it was stopped`);
      const answer = out.trim().split('\n').at(-1);
      let parsed: { ok: true; value: T } | { ok: false; error: string } | undefined;
      try {
        parsed = answer ? (JSON.parse(answer) as typeof parsed) : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed?.ok) return resolve(parsed.value);
      // its own message already names the file
      if (parsed && !parsed.ok) return reject(new VolleyError('VOLLEY_BAD_SCENARIO', parsed.error));
      fail(
        `${what} ended the process (${signal ? `signal ${signal}` : `exit code ${code}`}) before it answered${err.trim() ? `: ${err.trim().split('\n').at(-1)}` : ''}`,
      );
    });
  });
}

/** The child's side: `volley scenario-child <op>`. Its one answer is the last line of stdout. */
export async function childMain(): Promise<void> {
  let text = '';
  for await (const chunk of process.stdin) text += (chunk as Buffer).toString('utf8');
  const req = JSON.parse(text) as Request;
  const answer = (x: unknown): void => void process.stdout.write(`\n${JSON.stringify(x)}\n`);
  try {
    const { loadScenario } = await import('@volley/worker/scenario-loader');
    const def = await loadScenario(req.bundle, `check-${process.pid}`, req.env);
    if (req.op === 'facts') {
      // plain data only: the options a script exports may hold functions, which do not travel (and are not read)
      const plain = <V>(v: V): V | undefined => (v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as V));
      const facts: ScenarioFacts = {
        options: plain(def.options),
        thresholds: plain(def.thresholds),
        setup: !!def.setup,
        teardown: !!def.teardown,
        handleSummary: !!def.handleSummary,
        ...(def.perVu ? { k6: { ignored: [...(def.k6Ignored ?? [])] } } : {}),
      };
      answer({ ok: true, value: facts });
    } else {
      if (!def.handleSummary) throw new VolleyError('VOLLEY_BAD_SCENARIO', `${req.bundle.name}: has no handleSummary()`);
      const { runHandleSummary } = await import('./handle-summary.js');
      const out = await runHandleSummary(def.handleSummary, JSON.parse(req.data) as Record<string, unknown>);
      answer({
        ok: true,
        value: {
          ...out,
          files: out.files.map(([p, c]) => (typeof c === 'string' ? [p, c, 'utf8'] : [p, Buffer.from(c).toString('base64'), 'base64'])),
        },
      });
    }
  } catch (err) {
    answer({ ok: false, error: errorMessage(err) });
  }
  // whatever the scenario left running (timers, sockets) does not keep the answer waiting
  process.exit(0);
}
