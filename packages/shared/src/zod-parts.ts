// The parts of zod that Volley uses, re-exported one by one (see zod.ts):
// zod's own namespace takes every part with it, its 64 locales included.
export {
  array,
  boolean,
  discriminatedUnion,
  enum,
  literal,
  NEVER,
  number,
  object,
  prettifyError,
  record,
  strictObject,
  string,
  union,
  unknown,
  type infer,
  type input,
  type ZodType,
} from 'zod';
