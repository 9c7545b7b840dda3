import { parse } from 'acorn';
import MagicString from 'magic-string';
import { declareIn, isFunctionNode, patternNames, Scope, type AnyNode, type Binding } from './scopes.js';

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

/** k6's calls that wait: k6/http's requests, sleep, group. */
const BLOCKING: Readonly<Record<string, ReadonlySet<string>>> = {
  k6: new Set(['sleep', 'group']),
  'k6/http': new Set(['get', 'post', 'put', 'patch', 'del', 'head', 'options', 'request', 'batch']),
};
/** k6 functions that take callbacks and wait for them when they are async. */
const TAKES_CALLBACKS: Readonly<Record<string, ReadonlySet<string>>> = {
  k6: new Set(['check', 'group']),
};
/** Array methods run in order by the runtime's `__k6each` when their callback waits. */
export const EACH_METHODS = new Set(['forEach', 'map', 'filter', 'some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex', 'reduce', 'reduceRight', 'flatMap']);
/** Promise methods: an async callback there is what they expect. */
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

export interface Refusal {
  /** offset in the bundle */
  pos: number;
  message: string;
}

export interface SyncCallsResult {
  code: string;
  refusals: Refusal[];
  /** offsets of `open(...)` calls with a literal path: the path and the mode */
  opens: { pos: number; path: string; binary: boolean }[];
  /** `open(...)` calls whose path is not a literal */
  dynamicOpens: number[];
  /** the module's imports (k6 modules, jslib equivalents): local name → module and export */
  imports: Map<string, { module: string; imported: string }>;
  /** exported name → local expression */
  exports: Map<string, string>;
}

interface FnInfo {
  node: AnyNode;
  /** what holds it: a declaration's binding, a property name, or nothing known */
  parent: AnyNode | undefined;
  grand: AnyNode | undefined;
  /** the property or method it is the value of (class method, object property) */
  propName?: string;
  kind: 'function' | 'method' | 'constructor' | 'get' | 'set' | 'field';
  scope: Scope;
  params: Binding[];
}

interface CallInfo {
  node: AnyNode;
  parent: AnyNode | undefined;
  fn: AnyNode | undefined;
  scope: Scope;
  inParamDefault: boolean;
}

interface Flow {
  /** the value, the scope it is read in, and where it goes */
  value: AnyNode;
  scope: Scope;
  into: { binding?: Binding; prop?: string; returnOf?: AnyNode; escapes?: boolean };
}

const propKey = (n: AnyNode): string | undefined =>
  !n.computed ? (n.key?.type === 'Identifier' ? n.key.name : n.key?.type === 'Literal' ? String(n.key.value) : n.key?.type === 'PrivateIdentifier' ? `#${n.key.name}` : undefined) : undefined;

const memberName = (n: AnyNode): string | undefined =>
  n.type === 'MemberExpression' && !n.computed ? (n.property.type === 'PrivateIdentifier' ? `#${n.property.name}` : n.property.name) : undefined;

export function rewriteSyncCalls(code: string): SyncCallsResult {
  const ast = parse(code, { ecmaVersion: 'latest', sourceType: 'module', locations: false }) as unknown as AnyNode;
  const fns = new Map<AnyNode, FnInfo>();
  const calls: CallInfo[] = [];
  const news: CallInfo[] = [];
  const flows: Flow[] = [];
  const bindingOfDecl = new Map<AnyNode, Binding>();
  const fnsByProp = new Map<string, AnyNode[]>();
  const opens: SyncCallsResult['opens'] = [];
  const dynamicOpens: number[] = [];
  const root = new Scope(undefined, true);
  declareIn(root, ast);

  // one walk: scopes, functions, calls and where function values flow
  const walk = (n: AnyNode, parent: AnyNode | undefined, grand: AnyNode | undefined, scope: Scope, fn: AnyNode | undefined, inDefault: boolean): void => {
    let inner = scope;
    let innerFn = fn;
    if (isFunctionNode(n)) {
      inner = new Scope(scope, true);
      innerFn = n;
      const params: Binding[] = [];
      n.params.forEach((p: AnyNode, i: number) => {
        for (const id of patternNames(p)) {
          const b: Binding = { name: id.name, kind: 'param', node: n, index: p.type === 'Identifier' ? i : -1 };
          inner.names.set(id.name, b);
          if (p.type === 'Identifier') params[i] = b;
        }
      });
      if (n.type === 'FunctionExpression' && n.id) inner.names.set(n.id.name, { name: n.id.name, kind: 'function', node: n });
      if (n.body.type === 'BlockStatement') declareIn(inner, n.body);
      let kind: FnInfo['kind'] = 'function';
      let propName: string | undefined;
      if (parent?.type === 'MethodDefinition') {
        kind = parent.kind === 'constructor' ? 'constructor' : parent.kind === 'get' ? 'get' : parent.kind === 'set' ? 'set' : 'method';
        propName = propKey(parent);
      } else if (parent?.type === 'Property' && parent.value === n) {
        kind = parent.kind === 'get' ? 'get' : parent.kind === 'set' ? 'set' : parent.method ? 'method' : 'function';
        propName = propKey(parent);
      } else if (parent?.type === 'PropertyDefinition' && parent.value === n) {
        kind = 'field';
        propName = propKey(parent);
      }
      fns.set(n, { node: n, parent, grand, propName, kind, scope: inner, params });
      if (propName !== undefined) (fnsByProp.get(propName) ?? fnsByProp.set(propName, []).get(propName)!).push(n);
      if (n.type === 'FunctionDeclaration') bindingOfDecl.set(n, scope.lookup(n.id.name)!);
    } else if (n.type === 'BlockStatement' && !(parent && isFunctionNode(parent))) {
      inner = new Scope(scope, false);
      declareIn(inner, n);
    } else if (n.type === 'ForStatement' || n.type === 'ForInStatement' || n.type === 'ForOfStatement' || n.type === 'SwitchStatement') {
      inner = new Scope(scope, false);
      declareIn(inner, n);
    } else if (n.type === 'CatchClause') {
      inner = new Scope(scope, false);
      for (const id of patternNames(n.param)) inner.names.set(id.name, { name: id.name, kind: 'var' });
    } else if (n.type === 'ClassExpression' && n.id) {
      inner = new Scope(scope, false);
      inner.names.set(n.id.name, { name: n.id.name, kind: 'class', node: n });
    }

    switch (n.type) {
      case 'CallExpression':
      case 'TaggedTemplateExpression':
        calls.push({ node: n, parent, fn, scope, inParamDefault: inDefault });
        if (n.type === 'CallExpression' && n.callee.type === 'Identifier' && n.callee.name === 'open' && !scope.lookup('open')) {
          const [p, mode] = n.arguments as AnyNode[];
          const literal = p?.type === 'Literal' && typeof p.value === 'string' ? p.value : p?.type === 'TemplateLiteral' && p.expressions.length === 0 ? p.quasis[0].value.cooked : undefined;
          if (literal === undefined) dynamicOpens.push(n.start);
          else opens.push({ pos: n.start, path: literal, binary: mode?.type === 'Literal' && mode.value === 'b' });
        }
        break;
      case 'NewExpression':
        news.push({ node: n, parent, fn, scope, inParamDefault: inDefault });
        break;
      case 'VariableDeclarator':
        if (n.init && n.id.type === 'Identifier') flows.push({ value: n.init, scope: inner, into: { binding: scope.lookup(n.id.name) } });
        else if (n.init && n.id.type === 'ObjectPattern') {
          for (const p of n.id.properties) {
            const key = p.type === 'Property' ? propKey(p) : undefined;
            if (key !== undefined && p.value.type === 'Identifier') flows.push({ value: { type: 'MemberExpression', computed: false, object: n.init, property: { type: 'Identifier', name: key } } as unknown as AnyNode, scope: inner, into: { binding: scope.lookup(p.value.name) } });
          }
        }
        break;
      case 'AssignmentExpression':
        if (n.left.type === 'Identifier') flows.push({ value: n.right, scope: inner, into: { binding: scope.lookup(n.left.name) } });
        else if (memberName(n.left) !== undefined) flows.push({ value: n.right, scope: inner, into: { prop: memberName(n.left) } });
        else flows.push({ value: n.right, scope: inner, into: { escapes: true } });
        break;
      case 'Property':
        if (!n.method && n.kind === 'init' && parent?.type === 'ObjectExpression') {
          const key = propKey(n);
          flows.push({ value: n.value, scope: inner, into: key !== undefined ? { prop: key } : { escapes: true } });
        }
        break;
      case 'ReturnStatement':
        if (n.argument && fn) flows.push({ value: n.argument, scope: inner, into: { returnOf: fn } });
        break;
      case 'ArrowFunctionExpression':
        if (n.expression) flows.push({ value: n.body, scope: inner, into: { returnOf: n } });
        break;
      case 'ArrayExpression':
        for (const el of n.elements) if (el) flows.push({ value: el.type === 'SpreadElement' ? el.argument : el, scope: inner, into: { escapes: true } });
        break;
    }

    for (const key of Object.keys(n)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const v = n[key];
      const childDefault = inDefault || (isFunctionNode(n) && key === 'params');
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.type === 'string') walk(c, n, parent, inner, innerFn, isFunctionNode(c) ? false : childDefault);
      } else if (v && typeof v.type === 'string') {
        walk(v, n, parent, inner, innerFn, isFunctionNode(v) ? false : childDefault && key !== 'body');
      }
    }
  };
  walk(ast, undefined, undefined, root, undefined, false);

  // —— the facts, to a fixed point ——
  const asyncFns = new Set<AnyNode>();
  const asyncBindings = new Set<Binding>();
  const asyncProps = new Set<string>();
  const asyncReturns = new Set<AnyNode>();
  let escapes = false;
  const blockingCalls = new Set<AnyNode>();
  const eachCalls = new Set<AnyNode>();
  const refusals = new Map<number, string>();
  const refuse = (pos: number, message: string): void => {
    if (!refusals.has(pos)) refusals.set(pos, message);
  };

  // where a k6 module object may be held besides its import (`const h = http`, `this.http = http`, `{ http }`)
  const moduleBindings = new Map<Binding, string>();
  const moduleProps = new Map<string, string>();
  /** a module object stored where it cannot be followed (an array, a computed key): then any call by a blocking name may block */
  let moduleEscapes = false;
  const moduleOf = (v: AnyNode, scope: Scope): string | undefined => {
    if (v.type === 'Identifier') {
      const b = scope.lookup(v.name);
      if (!b) return undefined;
      if (b.kind === 'import' && (b.imported === '*' || b.imported === 'default')) return b.module;
      return moduleBindings.get(b);
    }
    if (v.type === 'ChainExpression') return moduleOf(v.expression, scope);
    const name = memberName(v);
    return name !== undefined ? moduleProps.get(name) : undefined;
  };

  const k6Export = (n: AnyNode, scope: Scope): { module: string; name: string } | undefined => {
    if (n.type === 'Identifier') {
      const b = scope.lookup(n.name);
      if (b?.kind === 'import' && b.imported !== '*' && b.imported !== 'default') return { module: b.module!, name: b.imported! };
      return undefined;
    }
    const name = memberName(n);
    if (name === undefined) return undefined;
    const module = moduleOf(n.object, scope);
    if (module) return { module, name };
    if (moduleEscapes && BLOCKING['k6/http']!.has(name)) return { module: 'k6/http', name };
    return undefined;
  };

  const calleeFns = (callee: AnyNode, scope: Scope): AnyNode[] => {
    if (isFunctionNode(callee)) return [callee];
    if (callee.type === 'Identifier') {
      const b = scope.lookup(callee.name);
      if (b?.kind === 'function' && b.node) return [b.node];
      if (b?.kind === 'var' && b.node && isFunctionNode(b.node)) return [b.node];
      return [];
    }
    const name = memberName(callee);
    return name !== undefined ? (fnsByProp.get(name) ?? []) : [];
  };

  const bindingAsync = (b: Binding | undefined): boolean => {
    if (!b) return false;
    if (asyncBindings.has(b)) return true;
    if (b.kind === 'function' && b.node && asyncFns.has(b.node)) return true;
    if (b.kind === 'import') return BLOCKING[b.module!]?.has(b.imported!) ?? false;
    return false;
  };

  /** whether a value may be a function that waits (or a k6 call that blocks) */
  const mayBeAsync = (v: AnyNode, scope: Scope): boolean => {
    switch (v.type) {
      case 'FunctionExpression': case 'ArrowFunctionExpression': return asyncFns.has(v);
      case 'Identifier': return bindingAsync(scope.lookup(v.name));
      case 'MemberExpression': {
        const k6 = k6Export(v, scope);
        if (k6) return BLOCKING[k6.module]?.has(k6.name) ?? false;
        const name = memberName(v);
        return name !== undefined ? asyncProps.has(name) : escapes;
      }
      case 'CallExpression': {
        if (memberName(v.callee) === 'bind') return mayBeAsync(v.callee.object, scope);
        const targets = calleeFns(v.callee, scope);
        return targets.some((f) => asyncReturns.has(f)) || (targets.length === 0 && escapes);
      }
      case 'ConditionalExpression': return mayBeAsync(v.consequent, scope) || mayBeAsync(v.alternate, scope);
      case 'LogicalExpression': return mayBeAsync(v.left, scope) || mayBeAsync(v.right, scope);
      case 'SequenceExpression': return mayBeAsync(v.expressions.at(-1), scope);
      case 'AssignmentExpression': return mayBeAsync(v.right, scope);
      case 'ChainExpression': return mayBeAsync(v.expression, scope);
      default: return false;
    }
  };

  const argsAsync = (args: AnyNode[], scope: Scope): number[] => {
    const out: number[] = [];
    args.forEach((a, i) => {
      const v = a.type === 'SpreadElement' ? a.argument : a;
      if (mayBeAsync(v, scope) || (v.type === 'ObjectExpression' && v.properties.some((p: AnyNode) => p.type === 'Property' && (p.method ? asyncFns.has(p.value) : mayBeAsync(p.value, scope))))) out.push(i);
    });
    return out;
  };

  const describeCallee = (c: AnyNode): string => {
    const callee = c.type === 'TaggedTemplateExpression' ? c.tag : c.callee;
    if (callee.type === 'Identifier') return `${callee.name}()`;
    const name = memberName(callee);
    return name !== undefined ? `.${name}()` : 'a function';
  };

  /** a module object handed to a function (`send(http)`, `new Client(http)`): the parameter holds it there */
  const moduleArgs = (args: AnyNode[], targets: AnyNode[], scope: Scope): void => {
    args.forEach((a, i) => {
      const module = moduleOf(a, scope);
      if (!module) return;
      const known = targets.filter((f) => fns.has(f));
      if (known.length === 0) moduleEscapes = true;
      for (const f of known) {
        const p = fns.get(f)!.params[i];
        if (p && !moduleBindings.has(p)) moduleBindings.set(p, module);
      }
    });
  };

  const markAsync = (f: AnyNode, why: AnyNode, what: string): void => {
    if (asyncFns.has(f)) return;
    const info = fns.get(f)!;
    if (f.generator) return refuse(why.start, `${what} is reached from a generator function, which cannot wait for it as k6 does; make the generator an ordinary function`);
    if (info.kind === 'constructor') return refuse(why.start, `${what} is reached from a class constructor, which cannot wait for it as k6 does; make the request in a method and call it after \`new\``);
    if (info.kind === 'get' || info.kind === 'set') return refuse(why.start, `${what} is reached from a ${info.kind === 'get' ? 'getter' : 'setter'}, which cannot wait for it as k6 does; make it a method`);
    asyncFns.add(f);
    changed = true;
  };

  let changed = true;
  for (let round = 0; changed && round < 1000; round++) {
    changed = false;
    const before = asyncBindings.size + asyncProps.size + asyncReturns.size + (escapes ? 1 : 0) + moduleBindings.size + moduleProps.size + (moduleEscapes ? 1 : 0);
    for (const c of calls) {
      const callee = c.node.type === 'TaggedTemplateExpression' ? c.node.tag : c.node.callee;
      const args: AnyNode[] = c.node.type === 'CallExpression' ? c.node.arguments : [];
      const asyncArgs = argsAsync(args, c.scope);
      const k6 = k6Export(callee, c.scope);
      if (!k6) moduleArgs(args, calleeFns(callee, c.scope), c.scope);
      let blocks = false;
      let what = describeCallee(c.node);
      if (k6) {
        blocks = (BLOCKING[k6.module]?.has(k6.name) ?? false) || (asyncArgs.length > 0 && (TAKES_CALLBACKS[k6.module]?.has(k6.name) ?? false));
        what = `${k6.module === 'k6' ? '' : k6.module === 'k6/http' ? 'http.' : `${k6.module}:`}${k6.name}()`;
        if (!blocks && asyncArgs.length > 0) refuse(args[asyncArgs[0]!]!.start, `a function that makes requests is handed to ${what}, which does not wait for it`);
      } else if (asyncArgs.length > 0 && memberName(callee) !== undefined && EACH_METHODS.has(memberName(callee)!) && c.node.type === 'CallExpression') {
        // arr.map(async callback): run in order, awaited
        blocks = true;
        if (!eachCalls.has(c.node)) eachCalls.add(c.node);
        for (const f of fnsByProp.get(memberName(callee)!) ?? []) for (const i of asyncArgs) { const p = fns.get(f)!.params[i]; if (p && !asyncBindings.has(p)) asyncBindings.add(p); }
      } else if (asyncArgs.length > 0 && memberName(callee) !== undefined && PROMISE_METHODS.has(memberName(callee)!)) {
        // a promise's callbacks may be async; nothing to wait for here
      } else if (asyncArgs.length > 0) {
        const targets = calleeFns(callee, c.scope).filter((f) => fns.has(f));
        if (targets.length === 0 && !(callee.type === 'Identifier' && bindingAsync(c.scope.lookup(callee.name)))) {
          refuse(args[asyncArgs[0]!]!.start, `a function that makes requests is handed to ${what}, which Volley cannot make wait for it (native code, or a function it cannot see); call it in a plain loop instead`);
        }
        for (const f of targets) for (const i of asyncArgs) { const p = fns.get(f)!.params[i]; if (p && !asyncBindings.has(p)) asyncBindings.add(p); }
      }
      if (!blocks) {
        if (memberName(callee) === 'call' || memberName(callee) === 'apply') blocks = mayBeAsync(callee.object, c.scope);
        else blocks = mayBeAsync(callee, c.scope) || (callee.type !== 'Identifier' && callee.type !== 'MemberExpression' && !isFunctionNode(callee) && escapes) || (callee.type === 'MemberExpression' && callee.computed && escapes);
      }
      if (!blocks || blockingCalls.has(c.node)) continue;
      blockingCalls.add(c.node);
      changed = true;
      if (c.node.type === 'TaggedTemplateExpression') refuse(c.node.start, `${what} as a template tag makes a request, which Volley cannot wait for; call it as a function`);
      else if (c.inParamDefault) refuse(c.node.start, `${what} makes a request in a parameter's default value; Volley cannot wait there, move it into the function's body`);
      else if (!c.fn) refuse(c.node.start, `${what} makes a request in the init context (the script's top level); k6 allows requests only in functions VUs run (default, setup, teardown, scenarios' exec)`);
      else markAsync(c.fn, c.node, what);
    }
    for (const c of news) {
      const targets = calleeFns(c.node.callee, c.scope);
      const cls = c.node.callee.type === 'Identifier' ? c.scope.lookup(c.node.callee.name) : undefined;
      const ctor = cls?.kind === 'class' ? (cls.node!.body.body as AnyNode[]).find((m) => m.kind === 'constructor')?.value : undefined;
      moduleArgs(c.node.arguments, ctor ? [ctor] : targets, c.scope);
      if (targets.some((f) => asyncFns.has(f)) || (ctor && asyncFns.has(ctor))) {
        refuse(c.node.start, `new ${c.node.callee.name ?? '…'}() runs a constructor that makes requests, which cannot wait for them as k6 does`);
      }
      if (argsAsync(c.node.arguments, c.scope).length > 0 && !(ctor || targets.length)) {
        refuse(c.node.start, `a function that makes requests is handed to new ${c.node.callee.name ?? '…'}(), which does not wait for it (a Promise executor, say); make the request in the function itself`);
      }
    }
    for (const f of asyncFns) {
      const info = fns.get(f)!;
      if (info.propName !== undefined && !asyncProps.has(info.propName)) asyncProps.add(info.propName);
      if (f.type === 'FunctionDeclaration') asyncBindings.add(bindingOfDecl.get(f)!);
    }
    for (const fl of flows) {
      const module = moduleOf(fl.value, fl.scope);
      if (module) {
        if (fl.into.binding) moduleBindings.set(fl.into.binding, module);
        else if (fl.into.prop !== undefined) moduleProps.set(fl.into.prop, module);
        else moduleEscapes = true;
      }
      if (!mayBeAsync(fl.value, fl.scope)) continue;
      if (fl.into.binding) asyncBindings.add(fl.into.binding);
      else if (fl.into.prop !== undefined) asyncProps.add(fl.into.prop);
      else if (fl.into.returnOf) asyncReturns.add(fl.into.returnOf);
      else escapes = true;
    }
    const after = asyncBindings.size + asyncProps.size + asyncReturns.size + (escapes ? 1 : 0) + moduleBindings.size + moduleProps.size + (moduleEscapes ? 1 : 0);
    if (after !== before) changed = true;
  }

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
        for (const id of d.type === 'VariableDeclaration' ? d.declarations.flatMap((x: AnyNode) => patternNames(x.id)) : [d.id]) exports.set(id.name, id.name);
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
    opens, dynamicOpens, imports, exports,
  };
}
