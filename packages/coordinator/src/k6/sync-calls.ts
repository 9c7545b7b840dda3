import { parse } from 'acorn';
import MagicString from 'magic-string';
import { patternNames, type AnyNode } from './scopes.js';
import { collectFacts, type ProgramFacts } from './program-facts.js';
import { findBlocking } from './blocking.js';

/**
 * k6 calls block: `const res = http.get(url); check(res, …)`. Node cannot
 * block a VU without a thread each (8.5 MB), so the functions that can
 * reach a blocking call become async and exactly those calls are awaited
 * — not every call (an async callback given to `filter` would answer a
 * Promise, which is truthy, and results would go silently wrong). What
 * cannot become async as k6 means it (a constructor, getter, setter or
 * generator that makes a request; a callback handed to native code) is
 * refused with its place, before any traffic.
 *
 * Works on esbuild's bundle (one module, semicolons everywhere, so an
 * inserted `(await …)` cannot join a line to the one before).
 */

export interface Refusal {
  /** offset in the bundle */
  pos: number;
  message: string;
}

export interface SyncCallsResult {
  code: string;
  refusals: Refusal[];
  opens: ProgramFacts['opens'];
  dynamicOpens: number[];
  /** the module's imports (k6 modules, jslib equivalents): local name → module and export */
  imports: Map<string, { module: string; imported: string }>;
  /** exported name → local expression */
  exports: Map<string, string>;
}

export function rewriteSyncCalls(code: string): SyncCallsResult {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: false }) as unknown as AnyNode;
  const facts = collectFacts(ast);
  const { fns, calls, root, opens, dynamicOpens } = facts;
  const { asyncFns, blockingCalls, eachCalls, refusals } = findBlocking(facts);
  const refuse = (pos: number, message: string): void => {
    if (!refusals.has(pos)) refusals.set(pos, message);
  };

  // —— the rewrite ——
  const s = new MagicString(code);
  for (const f of asyncFns) {
    const info = fns.get(f)!;
    if (f.async) continue;
    if (info.kind === 'method' && (info.parent?.type === 'MethodDefinition' || info.parent?.type === 'Property')) {
      const p = info.parent;
      const at = p.computed ? code.lastIndexOf('[', p.key.start) : p.key.start;
      s.prependRight(at, 'async ');
    } else {
      s.prependRight(f.start, 'async ');
    }
  }
  for (const c of calls) {
    if (!blockingCalls.has(c.node) || refusals.has(c.node.start)) continue;
    const n = c.node;
    if (eachCalls.has(n)) {
      // recv.map(args) → (await __k6each(recv, "map", args))
      const callee = n.callee;
      s.appendLeft(n.start, '(await __k6each(');
      s.overwrite(callee.object.end, n.arguments[0].start, `, ${JSON.stringify(callee.property.name)}, `);
      s.appendLeft(n.end, ')');
      continue;
    }
    const whole = c.parent?.type === 'ChainExpression' ? c.parent : n;
    const parentOfWhole = whole === n ? c.parent : undefined;
    if (parentOfWhole?.type === 'ExpressionStatement' || parentOfWhole?.type === 'AwaitExpression') {
      if (parentOfWhole.type === 'ExpressionStatement') s.appendLeft(whole.start, 'await ');
    } else {
      s.appendLeft(whole.start, '(await ');
      s.prependRight(whole.end, ')');
    }
  }

  const imports = new Map<string, { module: string; imported: string }>();
  for (const b of root.names.values()) if (b.kind === 'import') imports.set(b.name, { module: b.module!, imported: b.imported! });
  const exports = new Map<string, string>();
  for (const st of ast.body as AnyNode[]) {
    if (st.type === 'ImportDeclaration') s.remove(st.start, st.end);
    else if (st.type === 'ExportNamedDeclaration') {
      if (st.declaration) {
        s.remove(st.start, st.declaration.start);
        const d = st.declaration;
        for (const id of d.type === 'VariableDeclaration' ? d.declarations.flatMap((x: AnyNode) => patternNames(x.id)) : [d.id])
          exports.set(id.name, id.name);
      } else {
        if (st.source) refuse(st.start, 'export … from another module: export what the script defines');
        for (const sp of st.specifiers) exports.set(sp.exported.name ?? sp.exported.value, sp.local.name);
        s.remove(st.start, st.end);
      }
    } else if (st.type === 'ExportDefaultDeclaration') {
      const d = st.declaration;
      if ((d.type === 'FunctionDeclaration' || d.type === 'ClassDeclaration') && d.id) {
        s.remove(st.start, d.start);
        exports.set('default', d.id.name);
      } else {
        s.overwrite(st.start, d.start, 'const __k6default = ');
        exports.set('default', '__k6default');
      }
    } else if (st.type === 'ExportAllDeclaration') refuse(st.start, 'export * from another module: export what the script defines');
  }
  return {
    code: s.toString(),
    refusals: [...refusals].map(([pos, message]) => ({ pos, message })).sort((a, b) => a.pos - b.pos),
    opens,
    dynamicOpens,
    imports,
    exports,
  };
}
