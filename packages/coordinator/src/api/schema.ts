import { isTrendStat } from '../aggregate/trend-stats.js';
import {
  ConnectionsSchema,
  EnvSchema,
  HttpDebugSchema,
  MaxBodyBytesSchema,
  ScenarioBundleSchema,
  ScenarioPlanSchema,
  TargetTlsSchema,
} from '@volley/shared';
import { z } from '@volley/shared/zod';

const Users = z.number().int().min(0).max(10_000_000);
const SpawnRate = z.number().positive().max(1_000_000);
const RunTimeMs = z
  .number()
  .int()
  .positive()
  .max(31 * 24 * 3_600_000);

/** Body of POST /api/runs: everything a run needs, the scenario already bundled. */
export const StartRunBodySchema = z.object({
  scenario: ScenarioBundleSchema,
  host: z
    .string()
    .url()
    .refine((u) => /^https?:/.test(u), 'host must be an http(s) URL'),
  users: Users,
  spawnRate: SpawnRate,
  runTimeMs: RunTimeMs,
  gracefulStopMs: z.number().int().min(0).max(3_600_000).default(30_000),
  env: EnvSchema.default({}),
  targetTls: TargetTlsSchema.optional(),
  /** at most this many connections per worker and origin, shared by its VUs; absent: each VU its own */
  connections: ConnectionsSchema.optional(),
  /** data files by name, as JSON text */
  files: z.record(z.string().regex(/^[A-Za-z_]\w{0,63}$/), z.string()).default({}),
  expectWorkers: z.number().int().min(1).max(100_000).default(1),
  expectWorkersTimeoutMs: z
    .number()
    .int()
    .min(0)
    .max(24 * 3_600_000)
    .default(60_000),
  /** the scenario has setup() / teardown(): run each once for the cluster */
  setup: z.boolean().default(false),
  teardown: z.boolean().default(false),
  /** how long setup() and teardown() may take (k6's setupTimeout and teardownTimeout; default 120 s) */
  setupTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3_600_000)
    .optional(),
  teardownTimeoutMs: z
    .number()
    .int()
    .min(1)
    .max(24 * 3_600_000)
    .optional(),
  /** k6-style scenarios; when given they are the plan, and users/spawnRate/runTimeMs only describe it */
  scenarios: z.array(ScenarioPlanSchema).min(1).max(64).optional(),
  /** k6's --http-debug: workers write each request and response to their stderr (`full`: with bodies) */
  httpDebug: HttpDebugSchema.optional(),
  /** what a worker keeps of each response body, in bytes (the rest is counted in data_received, not held) */
  maxBodyBytes: MaxBodyBytesSchema.optional(),
  /** k6's summaryTrendStats: the trend statistics the summary shows */
  summaryTrendStats: z
    .array(z.string().max(16).refine(isTrendStat, 'not one of avg, min, med, max, count, p(N) with N from 0 to 100'))
    .min(1)
    .max(32)
    .optional(),
  /** k6-syntax thresholds, judged on the merged data (see thresholds/evaluate.ts) */
  thresholds: z
    .record(
      z.string().max(512),
      z
        .array(
          z.union([
            z.string().max(256),
            z.object({
              threshold: z.string().max(256),
              abortOnFail: z.boolean().optional(),
              delayAbortEvalMs: z.number().int().min(0).optional(),
            }),
          ]),
        )
        .max(64),
    )
    .default({}),
});

export type StartRunBody = z.input<typeof StartRunBodySchema>;

/** POST /api/runs/current/scale: the running run's users from now on (Locust's edit, k6's scale). */
export const ScaleBodySchema = z
  .object({
    users: z.number().int().min(0).max(10_000_000),
    spawnRate: z.number().positive().max(1_000_000).optional(),
  })
  .strict();

export type ScaleBody = z.infer<typeof ScaleBodySchema>;

/** Body of POST /api/runs/from-dashboard: a scenario of the catalog, and the load the form asks for. */
export const DashboardFormSchema = z.object({
  file: z.string().min(1).max(256),
  users: Users,
  spawnRate: SpawnRate,
  runTimeMs: RunTimeMs.optional(),
  host: z.string().url(),
  ownPlan: z.boolean().optional(),
});
