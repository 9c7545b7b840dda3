import { isFunctionNode, type AnyNode, type Binding, type Scope } from './scopes.js';
import { memberName, type ProgramFacts } from './program-facts.js';

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
const EACH_METHODS = new Set([
  'forEach',
  'map',
  'filter',
  'some',
  'every',
  'find',
  'findIndex',
  'findLast',
  'findLastIndex',
  'reduce',
  'reduceRight',
  'flatMap',
]);
/** Promise methods: an async callback there is what they expect. */
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

/**
 * Which functions must become async and which calls be awaited, to a
 * fixed point: a function that contains a call that may block blocks;
 * a value that may be such a function (a binding, a property name, a
 * parameter it is handed to, what a function returns) makes its calls
 * block; k6's module objects are followed the same way. What cannot be
 * made async as k6 means it is refused, by offset.
 */
export interface Blocking {
  asyncFns: Set<AnyNode>;
  blockingCalls: Set<AnyNode>;
  /** array-method calls whose callback waits: run in order by the runtime */
  eachCalls: Set<AnyNode>;
  refusals: Map<number, string>;
}

export function findBlocking(facts: ProgramFacts): Blocking {
  const { fns, calls, news, flows, fnsByProp, bindingOfDecl } = facts;
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
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        return asyncFns.has(v);
      case 'Identifier':
        return bindingAsync(scope.lookup(v.name));
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
      case 'ConditionalExpression':
        return mayBeAsync(v.consequent, scope) || mayBeAsync(v.alternate, scope);
      case 'LogicalExpression':
        return mayBeAsync(v.left, scope) || mayBeAsync(v.right, scope);
      case 'SequenceExpression':
        return mayBeAsync(v.expressions.at(-1), scope);
      case 'AssignmentExpression':
        return mayBeAsync(v.right, scope);
      case 'ChainExpression':
        return mayBeAsync(v.expression, scope);
      default:
        return false;
    }
  };

  const argsAsync = (args: AnyNode[], scope: Scope): number[] => {
    const out: number[] = [];
    args.forEach((a, i) => {
      const v = a.type === 'SpreadElement' ? a.argument : a;
      if (
        mayBeAsync(v, scope) ||
        (v.type === 'ObjectExpression' &&
          v.properties.some((p: AnyNode) => p.type === 'Property' && (p.method ? asyncFns.has(p.value) : mayBeAsync(p.value, scope))))
      )
        out.push(i);
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
    if (f.generator)
      return refuse(
        why.start,
        `${what} is reached from a generator function, which cannot wait for it as k6 does; make the generator an ordinary function`,
      );
    if (info.kind === 'constructor')
      return refuse(
        why.start,
        `${what} is reached from a class constructor, which cannot wait for it as k6 does; make the request in a method and call it after \`new\``,
      );
    if (info.kind === 'get' || info.kind === 'set')
      return refuse(
        why.start,
        `${what} is reached from a ${info.kind === 'get' ? 'getter' : 'setter'}, which cannot wait for it as k6 does; make it a method`,
      );
    asyncFns.add(f);
    changed = true;
  };

  let changed = true;
  // what the fixed point has learnt so far: it only grows, so an unchanged count is an unchanged state
  const known = (): number =>
    asyncBindings.size +
    asyncProps.size +
    asyncReturns.size +
    (escapes ? 1 : 0) +
    moduleBindings.size +
    moduleProps.size +
    (moduleEscapes ? 1 : 0);
  for (let round = 0; changed && round < 1000; round++) {
    changed = false;
    const before = known();
    for (const c of calls) {
      const callee = c.node.type === 'TaggedTemplateExpression' ? c.node.tag : c.node.callee;
      const args: AnyNode[] = c.node.type === 'CallExpression' ? c.node.arguments : [];
      const asyncArgs = argsAsync(args, c.scope);
      const k6 = k6Export(callee, c.scope);
      if (!k6) moduleArgs(args, calleeFns(callee, c.scope), c.scope);
      let blocks = false;
      let what = describeCallee(c.node);
      if (k6) {
        blocks =
          (BLOCKING[k6.module]?.has(k6.name) ?? false) || (asyncArgs.length > 0 && (TAKES_CALLBACKS[k6.module]?.has(k6.name) ?? false));
        what = `${k6.module === 'k6' ? '' : k6.module === 'k6/http' ? 'http.' : `${k6.module}:`}${k6.name}()`;
        if (!blocks && asyncArgs.length > 0)
          refuse(args[asyncArgs[0]!]!.start, `a function that makes requests is handed to ${what}, which does not wait for it`);
      } else if (
        asyncArgs.length > 0 &&
        memberName(callee) !== undefined &&
        EACH_METHODS.has(memberName(callee)!) &&
        c.node.type === 'CallExpression'
      ) {
        // arr.map(async callback): run in order, awaited
        blocks = true;
        if (!eachCalls.has(c.node)) eachCalls.add(c.node);
        for (const f of fnsByProp.get(memberName(callee)!) ?? [])
          for (const i of asyncArgs) {
            const p = fns.get(f)!.params[i];
            if (p && !asyncBindings.has(p)) asyncBindings.add(p);
          }
      } else if (asyncArgs.length > 0 && memberName(callee) !== undefined && PROMISE_METHODS.has(memberName(callee)!)) {
        // a promise's callbacks may be async; nothing to wait for here
      } else if (asyncArgs.length > 0) {
        const targets = calleeFns(callee, c.scope).filter((f) => fns.has(f));
        if (targets.length === 0 && !(callee.type === 'Identifier' && bindingAsync(c.scope.lookup(callee.name)))) {
          refuse(
            args[asyncArgs[0]!]!.start,
            `a function that makes requests is handed to ${what}, which Volley cannot make wait for it (native code, or a function it cannot see); call it in a plain loop instead`,
          );
        }
        for (const f of targets)
          for (const i of asyncArgs) {
            const p = fns.get(f)!.params[i];
            if (p && !asyncBindings.has(p)) asyncBindings.add(p);
          }
      }
      if (!blocks) {
        if (memberName(callee) === 'call' || memberName(callee) === 'apply') blocks = mayBeAsync(callee.object, c.scope);
        else
          blocks =
            mayBeAsync(callee, c.scope) ||
            (callee.type !== 'Identifier' && callee.type !== 'MemberExpression' && !isFunctionNode(callee) && escapes) ||
            (callee.type === 'MemberExpression' && callee.computed && escapes);
      }
      if (!blocks || blockingCalls.has(c.node)) continue;
      blockingCalls.add(c.node);
      changed = true;
      if (c.node.type === 'TaggedTemplateExpression')
        refuse(c.node.start, `${what} as a template tag makes a request, which Volley cannot wait for; call it as a function`);
      else if (c.inParamDefault)
        refuse(
          c.node.start,
          `${what} makes a request in a parameter's default value; Volley cannot wait there, move it into the function's body`,
        );
      else if (!c.fn)
        refuse(
          c.node.start,
          `${what} makes a request in the init context (the script's top level); k6 allows requests only in functions VUs run (default, setup, teardown, scenarios' exec)`,
        );
      else markAsync(c.fn, c.node, what);
    }
    for (const c of news) {
      const targets = calleeFns(c.node.callee, c.scope);
      const cls = c.node.callee.type === 'Identifier' ? c.scope.lookup(c.node.callee.name) : undefined;
      const ctor = cls?.kind === 'class' ? (cls.node!.body.body as AnyNode[]).find((m) => m.kind === 'constructor')?.value : undefined;
      moduleArgs(c.node.arguments, ctor ? [ctor] : targets, c.scope);
      if (targets.some((f) => asyncFns.has(f)) || (ctor && asyncFns.has(ctor))) {
        refuse(
          c.node.start,
          `new ${c.node.callee.name ?? '…'}() runs a constructor that makes requests, which cannot wait for them as k6 does`,
        );
      }
      if (argsAsync(c.node.arguments, c.scope).length > 0 && !(ctor || targets.length)) {
        refuse(
          c.node.start,
          `a function that makes requests is handed to new ${c.node.callee.name ?? '…'}(), which does not wait for it (a Promise executor, say); make the request in the function itself`,
        );
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
    if (known() !== before) changed = true;
  }

  return { asyncFns, blockingCalls, eachCalls, refusals };
}
