import { MAX_ENCODED_HISTOGRAM } from './histogram-codec.js';
import type { SeriesWire, Tags } from './metrics.js';

/**
 * The check SeriesSchema (protocol.ts) specifies, written out by hand: a
 * window carries dozens of series and a coordinator of 1,000 workers takes
 * tens of thousands a second, where zod's general machinery was a fifth of
 * its time. A property test holds this to the schema: the same inputs pass,
 * with the same output.
 */
export type SeriesCheck = { ok: true; value: SeriesWire } | { ok: false; path: string; message: string };

const NAME = /^[A-Za-z_][\w]*$/;
const MAX_TAGS = 16;

const fail = (path: string, message: string): SeriesCheck => ({ ok: false, path, message });
const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isFiniteNumber = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;

function checkName(x: unknown, max: number): string | undefined {
  if (typeof x !== 'string') return 'expected a string';
  if (x.length < 1 || x.length > max) return `expected 1 to ${max} characters`;
  if (!NAME.test(x)) return 'a name: letters, digits and _';
  return undefined;
}

/** The tags as given, or a copy without a `__proto__` key (zod's record drops it too); else where they are wrong. */
function checkTags(x: unknown): { tags: Tags } | { path: string; message: string } {
  if (!isObject(x)) return { path: 'tags', message: 'expected an object' };
  let n = 0;
  let proto = false;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    if (k === '__proto__') {
      proto = true;
      continue;
    }
    n++;
    const bad = checkName(k, 64);
    if (bad) return { path: `tags.${k.slice(0, 40)}`, message: `tag name: ${bad}` };
    const v = x[k];
    if (typeof v !== 'string') return { path: `tags.${k}`, message: 'expected a string' };
    if (v.length > 512) return { path: `tags.${k}`, message: 'at most 512 characters' };
  }
  if (n > MAX_TAGS) return { path: 'tags', message: `at most ${MAX_TAGS} tags` };
  if (!proto) return { tags: x as Tags };
  const copy: Record<string, string> = {};
  for (const k of Object.keys(x)) if (k !== '__proto__') copy[k] = x[k] as string;
  return { tags: copy };
}

/** Whether the series has exactly `fields` own keys and its tags came through uncopied: then it is passed on as it is. */
function exact(x: Record<string, unknown>, tags: Tags, fields: number): boolean {
  if (x.tags !== tags) return false;
  let n = 0;
  for (const k in x) if (Object.hasOwn(x, k)) n++;
  return n === fields;
}

const nonNegative = (v: unknown): boolean => isFiniteNumber(v) && v >= 0;

/** One series of a window, checked; the value holds only the fields the protocol knows. */
export function checkSeries(x: unknown): SeriesCheck {
  if (!isObject(x)) return fail('', 'expected an object');
  const { kind, metric, tags } = x;
  if (kind !== 'trend' && kind !== 'counter' && kind !== 'rate' && kind !== 'gauge')
    return fail('kind', 'expected trend, counter, rate or gauge');
  const badName = checkName(metric, 128);
  if (badName) return fail('metric', badName);
  const checked = checkTags(tags);
  if (!('tags' in checked)) return fail(checked.path, checked.message);
  const t = checked.tags;
  const m = metric as string;
  // a series with exactly its kind's fields (the usual case) is the value itself, not a copy
  const same = x as unknown as SeriesWire;
  switch (kind) {
    case 'trend': {
      const { count, sum, min, max, hist } = x;
      if (!isCount(count)) return fail('count', 'expected a whole number, 0 or more');
      if (!nonNegative(sum)) return fail('sum', 'expected a finite number, 0 or more');
      if (!nonNegative(min)) return fail('min', 'expected a finite number, 0 or more');
      if (!nonNegative(max)) return fail('max', 'expected a finite number, 0 or more');
      if (typeof hist !== 'string') return fail('hist', 'expected a string');
      if (hist.length > MAX_ENCODED_HISTOGRAM) return fail('hist', `at most ${MAX_ENCODED_HISTOGRAM} characters`);
      if (count !== 0 && (min as number) > (max as number)) return fail('', 'min above max');
      return {
        ok: true,
        value: exact(x, t, 8)
          ? same
          : { kind, metric: m, tags: t, count, sum: sum as number, min: min as number, max: max as number, hist },
      };
    }
    case 'counter':
      if (!nonNegative(x.value)) return fail('value', 'expected a finite number, 0 or more');
      return { ok: true, value: exact(x, t, 4) ? same : { kind, metric: m, tags: t, value: x.value as number } };
    case 'rate':
      if (!isCount(x.passes)) return fail('passes', 'expected a whole number, 0 or more');
      if (!isCount(x.fails)) return fail('fails', 'expected a whole number, 0 or more');
      return { ok: true, value: exact(x, t, 5) ? same : { kind, metric: m, tags: t, passes: x.passes, fails: x.fails } };
    case 'gauge':
      if (!isFiniteNumber(x.value)) return fail('value', 'expected a finite number');
      return { ok: true, value: exact(x, t, 4) ? same : { kind, metric: m, tags: t, value: x.value } };
  }
}
