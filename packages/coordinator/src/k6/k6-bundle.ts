import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { TraceMap, originalPositionFor } from '@jridgewell/trace-mapping';
import type { Plugin } from 'esbuild';
import { resolveK6Import, VolleyError } from '@volley/shared';
import { rewriteSyncCalls } from './sync-calls.js';

/** How a k6 script's bundle begins: a bundle given again (a ConfigMap's) is known by it. */
export const K6_BUNDLE_HEAD = 'export default { volley: "k6"';

export const isK6Bundle = (code: string): boolean => code.startsWith(K6_BUNDLE_HEAD);

/**
 * The esbuild plugin that sees a k6 script: `k6/*` imports and jslib URLs
 * stay as imports (the worker provides them), unsupported ones are refused
 * at the line that imports them.
 */
export function k6Imports(seen: { k6: boolean }): Plugin {
  return {
    name: 'volley-k6',
    setup(b) {
      b.onResolve({ filter: /^(k6(\/.*)?|https?:\/\/.*)$/ }, (args) => {
        const r = resolveK6Import(args.path);
        if (!r) return undefined;
        seen.k6 = true;
        if ('refused' in r) return { errors: [{ text: r.refused }] };
        // the sync-call rewrite knows k6's functions by their imports; a require()d one it would not make wait
        if (args.kind === 'require-call')
          return {
            errors: [
              {
                text: `require('${args.path}'): write \`import … from '${args.path}'\`, so that Volley can make its calls wait as k6 does`,
              },
            ],
          };
        return { path: r.module, external: true };
      });
    },
  };
}

/** Where a bundle offset came from: `file:line:col` of the script (through the source map). */
function locator(code: string, map: string, scriptDir: string): (pos: number) => string {
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i >= 0; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const trace = new TraceMap(map);
  return (pos) => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    const o = originalPositionFor(trace, { line: lo + 1, column: pos - lineStarts[lo]! });
    if (!o.source) return `(bundle line ${lo + 1})`;
    return `${relative(process.cwd(), resolve(scriptDir, o.source))}:${o.line}:${(o.column ?? 0) + 1}`;
  };
}

/**
 * A k6 script's bundle as Volley ships it: its calls made to wait (sync-
 * calls.ts), its module body a factory each VU runs for its own state,
 * and the files it opens read now, relative to the file that opens them.
 * `outDir` is where the source map's paths are relative to.
 */
export function k6Bundle(file: string, code: string, map: string, outDir: string): string {
  const where = locator(code, map, outDir);
  let r: ReturnType<typeof rewriteSyncCalls>;
  try {
    r = rewriteSyncCalls(code);
  } catch (err) {
    throw new VolleyError('VOLLEY_BAD_SCENARIO', `${file}: cannot read the bundled script: ${(err as Error).message}`, { cause: err });
  }
  const problems = r.refusals.map((x) => `${where(x.pos)}: ${x.message}`);
  for (const pos of r.dynamicOpens)
    problems.push(
      `${where(pos)}: open() with a path that is not a literal string; Volley ships the files a script opens, so it must know their paths before the run (write open('./data.json'))`,
    );
  const files: Record<string, string> = {};
  for (const o of r.opens) {
    const at = where(o.pos);
    const source = at.replace(/:\d+:\d+$/, '');
    const path = resolve(dirname(existsSync(source) ? source : file), o.path);
    if (!existsSync(path)) {
      problems.push(`${at}: open('${o.path}'): no such file (${relative(process.cwd(), path)})`);
      continue;
    }
    files[o.path] = readFileSync(path).toString('base64');
  }
  if (problems.length) {
    throw new VolleyError(
      'VOLLEY_BAD_SCENARIO',
      `${file}: cannot run as k6 runs it; nothing was sent:\n  ${problems.slice(0, 20).join('\n  ')}`,
    );
  }
  // on the bundle's first line, so that every line keeps its number
  const imports = [...r.imports]
    .map(([local, i]) => `const ${local} = __k6(${JSON.stringify(i.module)}, ${JSON.stringify(i.imported)});`)
    .join(' ');
  const head = `${K6_BUNDLE_HEAD}, files: ${JSON.stringify(files)}, factory: async function (__k6, __ENV, __VU, open, __k6each, console) { let __ITER = 0; ${imports} `;
  const exported = [...r.exports].map(([name, local]) => `${JSON.stringify(name)}: ${local}`).join(', ');
  const tail = `\n; return { exports: { ${exported} }, setIter(i) { __ITER = i; } }; } };\n`;
  return head + r.code + tail;
}
