/**
 * A command line written as one line, split as a shell would:
 * args`run ${file} --vus 1 -e BASE_URL=${url}`. A value glued to text is
 * one argument with it; an array standing alone is its elements (a
 * value's spaces stay inside its argument).
 */
export function args(strings: TemplateStringsArray, ...values: unknown[]): string[] {
  const out: string[] = [];
  let cur: string | undefined;
  const flush = (): void => {
    if (cur !== undefined) out.push(cur);
    cur = undefined;
  };
  strings.forEach((text, i) => {
    for (const piece of text.split(/(\s+)/)) {
      if (piece === '') continue;
      if (/^\s+$/.test(piece)) flush();
      else cur = (cur ?? '') + piece;
    }
    if (i === values.length) return;
    const v = values[i];
    if (Array.isArray(v)) {
      const glued = cur !== undefined || /^\S/.test(strings[i + 1] ?? '');
      if (glued) throw new Error(`args: an array must stand alone, not glued to text (after ${JSON.stringify(text)})`);
      out.push(...v.map(String));
    } else cur = (cur ?? '') + String(v);
  });
  flush();
  return out;
}
