import { seriesList, WorkerHealthSchema, WorkerMessageSchema } from '@volley/shared';
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
const WindowSchema = WorkerMessageSchema.options.find((o) => o.shape.type.value === 'window')!;

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
      executors: z.array(z.string()).optional(),
      trendStats: z.array(z.string().refine(isTrendStat, 'not a trend statistic')).optional(),
    }),
    thresholds: z
      .record(
        z.string(),
        z.array(
          z.union([
            z.string(),
            z.object({ threshold: z.string(), abortOnFail: z.boolean().optional(), delayAbortEvalMs: z.number().optional() }),
          ]),
        ),
      )
      .optional(),
  }),
  z.object({ t: z.literal('worker'), id: z.string(), name: z.string(), cores: z.number() }),
  z.object({ t: z.literal('window'), w: z.string(), m: WindowSchema }),
  z.object({
    t: z.literal('windows'),
    index: z.number().int().nonnegative(),
    parts: z
      .array(
        z.object({
          w: z.string(),
          vus: z.number().int().nonnegative(),
          requests: z.number().int().nonnegative(),
          health: WorkerHealthSchema.optional(),
        }),
      )
      .min(1)
      .refine((ps) => new Set(ps.map((p) => p.w)).size === ps.length, 'a worker named twice'),
    // the union of the workers' series: more than one window may hold
    series: seriesList(1_000_000),
  }),
  z.object({ t: z.literal('event'), atMs: z.number(), kind: z.string(), worker: z.string().optional(), detail: z.string() }),
  z.object({ t: z.literal('end'), durationMs: z.number(), shortMs: z.number() }),
]);

export type JournalRecord = z.infer<typeof JournalRecordSchema>;
