import { config } from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// zod/mini, not zod's classic API: a classic schema gets some fifty methods
// of its own as it is made, and Volley makes hundreds of schemas at every
// process's start (their modules load with the CLI): the same schemas cost
// about half as much to make this way (bench/README.md, startup). English
// messages, as classic zod loads them: a bad message or body says what is
// wrong in words.
//
// Zod compiles an object schema's parser with `new Function` the first
// time it parses, which pays off after thousands of parses; Volley's
// messages and records come a few a second, and the compiling cost a
// process's start tens of milliseconds (the first messages a worker and a
// coordinator exchange). Read when a schema is made: every schema module
// takes `z` from here.
config({ jitless: true, ...en() });

// Only the parts Volley uses (zod-parts.ts), so that a bundle leaves the
// rest of zod out: 726 KB of it, most of it locales, loaded by every
// process's start.
export * as z from './zod-parts.js';
