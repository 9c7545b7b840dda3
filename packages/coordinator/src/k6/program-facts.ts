import type { Node } from 'acorn';
import { declareIn, isFunctionNode, patternNames, Scope, type AnyNode, type Binding } from './scopes.js';

/**
 * What the sync-call rewrite needs to know of a k6 script's bundle, in
 * one walk: its functions (and what kind: a method, a getter, a
 * constructor), its calls with the function around each, and where
 * values flow (a declaration, an assignment, a property, a return), each
 * read in its scope.
 */
export interface FnInfo {
  node: AnyNode;
  /** what holds it: a declaration's binding, a property name, or nothing known */
  parent: AnyNode | undefined;
  /** the property or method it is the value of (class method, object property) */
  propName?: string;
  kind: 'function' | 'method' | 'constructor' | 'get' | 'set' | 'field';
  scope: Scope;
  params: Binding[];
}

export interface CallInfo {
  node: AnyNode;
  parent: AnyNode | undefined;
  /** the function the call is in; undefined at the top level (k6's init context) */
  fn: AnyNode | undefined;
  scope: Scope;
  inParamDefault: boolean;
}

export interface Flow {
  /** the value, the scope it is read in, and where it goes */
  value: AnyNode;
  scope: Scope;
  into: { binding?: Binding; prop?: string; returnOf?: AnyNode; escapes?: boolean };
}

export interface ProgramFacts {
  root: Scope;
  fns: Map<AnyNode, FnInfo>;
  calls: CallInfo[];
  news: CallInfo[];
  flows: Flow[];
  fnsByProp: Map<string, AnyNode[]>;
  bindingOfDecl: Map<AnyNode, Binding>;
  /** offsets of `open(...)` calls with a literal path: the path and the mode */
  opens: { pos: number; path: string; binary: boolean }[];
  /** `open(...)` calls whose path is not a literal */
  dynamicOpens: number[];
}

export const propKey = (n: AnyNode): string | undefined =>
  !n.computed
    ? n.key?.type === 'Identifier'
      ? n.key.name
      : n.key?.type === 'Literal'
        ? String(n.key.value)
        : n.key?.type === 'PrivateIdentifier'
          ? `#${n.key.name}`
          : undefined
    : undefined;

export const memberName = (n: AnyNode): string | undefined =>
  n.type === 'MemberExpression' && !n.computed
    ? n.property.type === 'PrivateIdentifier'
      ? `#${n.property.name}`
      : n.property.name
    : undefined;

export function collectFacts(program: Node): ProgramFacts {
  const ast = program as AnyNode;
  const fns = new Map<AnyNode, FnInfo>();
  const calls: CallInfo[] = [];
  const news: CallInfo[] = [];
  const flows: Flow[] = [];
  const bindingOfDecl = new Map<AnyNode, Binding>();
  const fnsByProp = new Map<string, AnyNode[]>();
  const opens: ProgramFacts['opens'] = [];
  const dynamicOpens: number[] = [];
  const root = new Scope(undefined, true);
  declareIn(root, ast);

  // one walk: scopes, functions, calls and where function values flow
  const walk = (n: AnyNode, parent: AnyNode | undefined, scope: Scope, fn: AnyNode | undefined, inDefault: boolean): void => {
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
      fns.set(n, { node: n, parent, propName, kind, scope: inner, params });
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
          const literal =
            p?.type === 'Literal' && typeof p.value === 'string'
              ? p.value
              : p?.type === 'TemplateLiteral' && p.expressions.length === 0
                ? p.quasis[0].value.cooked
                : undefined;
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
            if (key !== undefined && p.value.type === 'Identifier')
              flows.push({
                value: {
                  type: 'MemberExpression',
                  computed: false,
                  object: n.init,
                  property: { type: 'Identifier', name: key },
                } as unknown as AnyNode,
                scope: inner,
                into: { binding: scope.lookup(p.value.name) },
              });
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
        for (const el of n.elements)
          if (el) flows.push({ value: el.type === 'SpreadElement' ? el.argument : el, scope: inner, into: { escapes: true } });
        break;
    }

    for (const key of Object.keys(n)) {
      if (key === 'type' || key === 'start' || key === 'end') continue;
      const v = n[key];
      const childDefault = inDefault || (isFunctionNode(n) && key === 'params');
      if (Array.isArray(v)) {
        for (const c of v) if (c && typeof c.type === 'string') walk(c, n, inner, innerFn, isFunctionNode(c) ? false : childDefault);
      } else if (v && typeof v.type === 'string') {
        walk(v, n, inner, innerFn, isFunctionNode(v) ? false : childDefault && key !== 'body');
      }
    }
  };
  walk(ast, undefined, root, undefined, false);

  return { root, fns, calls, news, flows, fnsByProp, bindingOfDecl, opens, dynamicOpens };
}
