import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A file the built CLI ships beside itself in dist/ (the scenario API that
 * scenarios' `volley` imports resolve to, the example scenarios, uPlot),
 * so an installed package needs none of this checkout's workspace; or
 * undefined when running from source, where the workspace has them.
 */
export function shipped(name: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  // the code that asks may sit in dist/ itself or in dist/chunks/
  const dist = basename(here) === 'chunks' ? dirname(here) : here;
  const path = join(dist, name);
  return existsSync(path) ? path : undefined;
}
