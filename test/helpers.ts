import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = fileURLToPath(new URL('../packages/coordinator/src/cli/main.ts', import.meta.url));

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The `volley` program from source (tsx), as a real process. */
export function spawnVolley(args: string[], env: Record<string, string> = {}): ChildProcess & { output: { stdout: string; stderr: string } } {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, VOLLEY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: { stdout: string; stderr: string } };
  child.output = { stdout: '', stderr: '' };
  child.stdout!.on('data', (d: Buffer) => (child.output.stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (child.output.stderr += d.toString()));
  return child;
}

/** Runs `volley …` to the end (killed after `timeoutMs`). */
export async function volley(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<Result> {
  const child = spawnVolley(args, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, ...child.output };
}

/** Resolves when the process has printed a line matching `pattern` (stdout or stderr). */
export async function waitForOutput(child: ReturnType<typeof spawnVolley>, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  const started = Date.now();
  for (;;) {
    const m = pattern.exec(child.output.stdout) ?? pattern.exec(child.output.stderr);
    if (m) return m;
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before printing ${pattern}:\n${child.output.stderr}`);
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${child.output.stdout}\n${child.output.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await once(child, 'exit');
  clearTimeout(t);
}

/** Route of the sample server each request name goes to. */
export const ROUTE_OF: Record<string, string> = {
  health_check: 'GET /health',
  enroll_biometric: 'POST /api/v1/did/enroll',
  verify_biometric: 'POST /api/v1/did/verify',
};

/** Request counts per route from a k6-shaped JSON summary written by volley. */
export function countsFromSummary(summary: { volley: { requests: { name: string; count: number }[] } }): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of summary.volley.requests) out[ROUTE_OF[r.name] ?? r.name] = (out[ROUTE_OF[r.name] ?? r.name] ?? 0) + r.count;
  return out;
}
