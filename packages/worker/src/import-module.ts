/**
 * The built CLI's bin (coordinator/src/cli/bin.ts) passes its own import():
 * the CLI runs from V8's code cache, and a function deserialized from one
 * has no module loader behind its import(). Run from source, there is none.
 */
declare const __volleyImport: ((specifier: string) => Promise<unknown>) | undefined;

/** import() of an ES module that is not part of Volley: a scenario. */
export function importModule(specifier: string): Promise<unknown> {
  return typeof __volleyImport === 'function' ? __volleyImport(specifier) : import(specifier);
}
