import { seriesList, WindowMessageSchema, WorkerHealthSchema } from '@volley/shared';
import { z } from '@volley/shared/zod';
import { isTrendStat } from '../aggregate/trend-stats.js';

/**
 * The run journal's records, one JSON line each (field `t`); the writer
 * writes them and `volley report` reads them back through this schema:
 *   run     the run's parameters, written when it starts
 *   worker  a worker that took part {id, name, cores}
 *   windows the windows of one index accepted in one turn of the event
 *           loop, merged {index, parts: [{w, vus, requests, health}], series}
 *   event   a cluster event {atMs, kind, worker, detail}
 *   end     the run ended {durationMs, shortMs}
 * Journals written before 2026-11-27 hold each worker's own window
 * (`window {w, m}`); they are still read.
 */
const Count = z.int().check(z.nonnegative());
const ThresholdList = z.array(
  z.union([
    z.string(),
    z.object({ threshold: z.string(), abortOnFail: z.optional(z.boolean()), delayAbortEvalMs: z.optional(z.number()) }),
  ]),
);

export const JournalRecordSchema = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('run'),
    run: z.object({
      id: z.string(),
      scenario: z.string(),
      host: z.string(),
      users: z.number(),
      spawnRate: z.number(),
      runTimeMs: z.number(),
      startedAt: z.string(),
      executors: z.optional(z.array(z.string())),
      trendStats: z.optional(z.array(z.string().check(z.refine(isTrendStat, 'not a trend statistic')))),
    }),
    thresholds: z.optional(z.record(z.string(), ThresholdList)),
  }),
  z.object({ t: z.literal('worker'), id: z.string(), name: z.string(), cores: z.number() }),
  z.object({ t: z.literal('window'), w: z.string(), m: WindowMessageSchema }),
  z.object({
    t: z.literal('windows'),
    index: Count,
    parts: z.array(z.object({ w: z.string(), vus: Count, requests: Count, health: z.optional(WorkerHealthSchema) })).check(
      z.minLength(1),
      z.refine((ps) => new Set(ps.map((p) => p.w)).size === ps.length, 'a worker named twice'),
    ),
    // the union of the workers' series: more than one window may hold
    series: seriesList(1_000_000),
  }),
  z.object({ t: z.literal('event'), atMs: z.number(), kind: z.string(), worker: z.optional(z.string()), detail: z.string() }),
  z.object({ t: z.literal('end'), durationMs: z.number(), shortMs: z.number() }),
]);

export type JournalRecord = z.infer<typeof JournalRecordSchema>;
