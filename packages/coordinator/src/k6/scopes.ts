import type { Node } from 'acorn';

/**
 * Just enough scope analysis for the sync-call rewrite: which declaration
 * an identifier names. Bindings are found per function, block, catch and
 * class body; `var` and function declarations go to their function.
 */
export type BindingKind = 'import' | 'function' | 'class' | 'var' | 'param';

export interface Binding {
  readonly name: string;
  readonly kind: BindingKind;
  /** import: the module and the imported name ('default', '*' or a named export) */
  readonly module?: string;
  readonly imported?: string;
  /** function or class declarations: the node; var: the declarator's init; param: the function */
  readonly node?: AnyNode;
  /** param: its position */
  readonly index?: number;
}

/** acorn's nodes, read loosely: the rewrite looks at a handful of fields. */
export type AnyNode = Node & Record<string, any>;

export class Scope {
  readonly names = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | undefined,
    readonly isFunction: boolean,
  ) {}

  lookup(name: string): Binding | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const b = s.names.get(name);
      if (b) return b;
    }
    return undefined;
  }

  functionScope(): Scope {
    let s: Scope = this;
    while (!s.isFunction && s.parent) s = s.parent;
    return s;
  }
}

/** The names a pattern declares (`{ a, b: [c] }` → a, c). */
export function patternNames(p: AnyNode | null | undefined, out: AnyNode[] = []): AnyNode[] {
  if (!p) return out;
  switch (p.type) {
    case 'Identifier':
      out.push(p);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties) patternNames(prop.type === 'RestElement' ? prop.argument : prop.value, out);
      break;
    case 'ArrayPattern':
      for (const el of p.elements) patternNames(el, out);
      break;
    case 'RestElement':
      patternNames(p.argument, out);
      break;
    case 'AssignmentPattern':
      patternNames(p.left, out);
      break;
  }
  return out;
}

export const isFunctionNode = (n: AnyNode): boolean =>
  n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression' || n.type === 'ArrowFunctionExpression';

/**
 * Declares what `node` (a scope's owner) holds directly: its own
 * declarations, not those of nested functions.
 */
export function declareIn(scope: Scope, owner: AnyNode): void {
  const visit = (n: AnyNode | null | undefined, blockScope: Scope): void => {
    if (!n || typeof n.type !== 'string') return;
    switch (n.type) {
      case 'FunctionDeclaration':
        blockScope.names.set(n.id.name, { name: n.id.name, kind: 'function', node: n });
        return;
      case 'ClassDeclaration':
        blockScope.names.set(n.id.name, { name: n.id.name, kind: 'class', node: n });
        return;
      case 'VariableDeclaration': {
        const target = n.kind === 'var' ? blockScope.functionScope() : blockScope;
        for (const d of n.declarations) {
          for (const id of patternNames(d.id))
            target.names.set(id.name, { name: id.name, kind: 'var', node: d.id.type === 'Identifier' ? d.init : undefined });
        }
        return;
      }
      case 'ImportDeclaration':
        for (const s of n.specifiers) {
          const imported =
            s.type === 'ImportDefaultSpecifier'
              ? 'default'
              : s.type === 'ImportNamespaceSpecifier'
                ? '*'
                : (s.imported.name ?? s.imported.value);
          blockScope.names.set(s.local.name, { name: s.local.name, kind: 'import', module: n.source.value, imported });
        }
        return;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
        if (n.declaration) visit(n.declaration, blockScope);
        return;
      // var declarations inside nested statements belong to the function too, block-scoped ones do not
      case 'IfStatement':
        visitVarsOnly(n.consequent);
        visitVarsOnly(n.alternate);
        return;
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'WhileStatement':
      case 'DoWhileStatement':
      case 'LabeledStatement':
        visitVarsOnly(n.init ?? n.left);
        visitVarsOnly(n.body);
        return;
      case 'TryStatement':
        visitVarsOnly(n.block);
        visitVarsOnly(n.handler?.body);
        visitVarsOnly(n.finalizer);
        return;
      case 'SwitchStatement':
        for (const c of n.cases) for (const s of c.consequent) visitVarsOnly(s);
        return;
      case 'BlockStatement':
        visitVarsOnly(n);
        return;
    }
  };
  const visitVarsOnly = (n: AnyNode | null | undefined): void => {
    if (!n || typeof n.type !== 'string' || isFunctionNode(n) || n.type === 'ClassDeclaration' || n.type === 'ClassExpression') return;
    if (n.type === 'VariableDeclaration' && n.kind === 'var') return visit(n, scope);
    for (const key of Object.keys(n)) {
      const v = n[key];
      if (Array.isArray(v))
        for (const x of v) {
          if (x && typeof x.type === 'string') visitVarsOnly(x);
        }
      else if (v && typeof v.type === 'string' && key !== 'type') visitVarsOnly(v);
    }
  };
  const body: AnyNode[] =
    owner.type === 'SwitchStatement' ? owner.cases.flatMap((c: AnyNode) => c.consequent) : Array.isArray(owner.body) ? owner.body : [];
  for (const s of body) visit(s, scope);
  if (owner.type === 'ForStatement' || owner.type === 'ForInStatement' || owner.type === 'ForOfStatement') {
    const decl = owner.init ?? owner.left;
    if (decl?.type === 'VariableDeclaration' && decl.kind !== 'var') visit(decl, scope);
  }
}
