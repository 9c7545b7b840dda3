/**
 * Which modules a k6 script may import on Volley: the `k6/*` modules it
 * implements, and jslib's by URL mapped to bundled equivalents (a worker
 * has no internet). Everything else is refused before any traffic.
 */
export const K6_MODULES = [
  'k6',
  'k6/http',
  'k6/metrics',
  'k6/execution',
  'k6/data',
  'k6/encoding',
  'k6/crypto',
  'k6/timers',
  'jslib:k6-utils',
  'jslib:k6-summary',
] as const;
export type K6Module = (typeof K6_MODULES)[number];

const JSLIB: Readonly<Record<string, K6Module>> = { 'k6-utils': 'jslib:k6-utils', 'k6-summary': 'jslib:k6-summary' };

/** What an import of `spec` in a k6 script resolves to, or why it is refused; undefined for a local file or package. */
export function resolveK6Import(spec: string): { module: K6Module } | { refused: string } | undefined {
  if (spec === 'k6' || spec.startsWith('k6/')) {
    if ((K6_MODULES as readonly string[]).includes(spec)) return { module: spec as K6Module };
    const kind = /^k6\/(x|experimental)\//.test(spec) ? ' (extensions and experimental modules are not)' : '';
    return {
      refused: `${spec} is not supported by Volley${kind}; it runs k6's HTTP API: ${K6_MODULES.filter((m) => m.startsWith('k6')).join(', ')}`,
    };
  }
  if (/^https?:\/\//i.test(spec)) {
    const m = /^https?:\/\/jslib\.k6\.io\/([\w-]+)\//i.exec(spec);
    const mapped = m ? JSLIB[m[1]!] : undefined;
    if (mapped) return { module: mapped };
    return {
      refused: `${spec}: a worker has no internet, and Volley bundles only ${Object.keys(JSLIB)
        .map((k) => `jslib's ${k}`)
        .join(', ')}; download the module next to the script and import it by path`,
    };
  }
  return undefined;
}
