import { readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { VolleyError } from '@volley/shared';
import type { StartRunBody } from '../api/schema.js';
import { prepareStart, type Prepared } from '../cli/prepare.js';
import { DEFAULT_FORM_HOST } from '../cli/run-options.js';

/** What the dashboard's form sends to start a run. */
export interface DashboardForm {
  file: string;
  users: number;
  spawnRate: number;
  /** absent: until stopped (Locust's web UI without a run time), at most UNTIL_STOPPED_MS */
  runTimeMs?: number;
  host: string;
  /** run the scenario's own plan (k6's options: stages, scenarios…) instead of the form's load, which is then its fallback */
  ownPlan?: boolean;
}

/** What the form shows before anyone types (Locust fills its form from -u, -r, -t and --host). */
export interface FormDefaults {
  users: number;
  spawnRate: number;
  /** absent: the field starts empty, for a run until stopped */
  runTimeS?: number;
  host: string;
  /** start with the scenario's own plan ticked (a k6 script with stages or scenarios, and no load on the command line) */
  ownPlan?: boolean;
}

/** A run started without a duration lasts until it is stopped, but not past a day: a forgotten one does not load the target for ever. */
export const UNTIL_STOPPED_MS = 24 * 3_600_000;

export const DEFAULT_FORM: FormDefaults = { users: 50, spawnRate: 10, runTimeS: 60, host: DEFAULT_FORM_HOST };

/** The scenarios a dashboard offers, and how one becomes a start request. */
export interface ScenarioCatalog {
  readonly defaults: FormDefaults;
  list(): Promise<string[]>;
  /** the checked start request for the form's scenario and load; bad input throws a VolleyError naming it */
  prepare(form: DashboardForm): Promise<Prepared>;
}

function offered(name: string, files: string[]): void {
  if (!files.includes(name))
    throw new VolleyError(
      'VOLLEY_BAD_OPTION',
      `no scenario "${name}" here; choose one of: ${files.join(', ') || '(none: start the coordinator with --scenarios DIR)'}`,
    );
}

/**
 * `volley coordinator --scenarios DIR`: the scenario files in DIR, read at
 * each request (files added later are offered). The form sets the load;
 * the rest of the start request is the API's defaults. A catalog's
 * scenarios are checked in a child process, never in the coordinator's.
 */
export function directoryCatalog(dir: string | undefined): ScenarioCatalog {
  const list = async (): Promise<string[]> => {
    if (!dir) return [];
    const names = await readdir(dir).catch(() => [] as string[]);
    return names.filter((n) => /\.(ts|js|mjs)$/.test(n) && !n.endsWith('.d.ts') && !n.includes('.test.')).sort();
  };
  return {
    defaults: DEFAULT_FORM,
    list,
    async prepare({ file, ownPlan, runTimeMs, ...load }) {
      offered(file, await list());
      return prepareStart(
        resolve(join(dir!, file)),
        { ...load, runTimeMs: runTimeMs ?? UNTIL_STOPPED_MS },
        { explicitLoad: !ownPlan, timeScale: 1 },
        { isolated: true },
      );
    },
  };
}

/**
 * The web UI of `volley run -f FILE` (Locust's): that one file, bundled
 * again at each start (an edit between runs is picked up), with the
 * command line's options (env, data files, graceful stop, workers to wait
 * for…) under the form's load, or the scenario's own plan stretched by
 * --time-scale when the form asks for it. `onPrepared` sees each start
 * request made (the web UI keeps its handleSummary for the run's end).
 */
export function fileCatalog(o: {
  file: string;
  base: Omit<StartRunBody, 'scenario'>;
  defaults: FormDefaults;
  timeScale: number;
  onPrepared?: (p: Prepared) => void;
}): ScenarioCatalog {
  const { file, base, onPrepared } = o;
  const name = basename(file);
  return {
    defaults: o.defaults,
    list: async () => [name],
    async prepare({ file: chosen, ownPlan, runTimeMs, ...load }) {
      offered(chosen, [name]);
      const prepared = await prepareStart(
        file,
        { ...base, ...load, runTimeMs: runTimeMs ?? UNTIL_STOPPED_MS },
        { explicitLoad: !ownPlan, timeScale: o.timeScale },
        { isolated: true },
      );
      onPrepared?.(prepared);
      return prepared;
    },
  };
}
