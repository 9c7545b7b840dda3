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

const Users = z.int().check(z.minimum(0), z.maximum(10_000_000));
const SpawnRate = z.number().check(z.positive(), z.maximum(1_000_000));
const RunTimeMs = z.int().check(z.positive(), z.maximum(31 * 24 * 3_600_000));
const Text = (max: number) => z.string().check(z.maxLength(max));
const HttpUrl = z.url().check(z.refine((u) => /^https?:/.test(u), 'host must be an http(s) URL'));

/** Body of POST /api/runs: everything a run needs, the scenario already bundled. */
export const StartRunBodySchema = z.object({
  scenario: ScenarioBundleSchema,
  host: HttpUrl,
  users: Users,
  spawnRate: SpawnRate,
  runTimeMs: RunTimeMs,
  gracefulStopMs: z._default(z.int().check(z.minimum(0), z.maximum(3_600_000)), 30_000),
  env: z._default(EnvSchema, {}),
  targetTls: z.optional(TargetTlsSchema),
  /** at most this many connections per worker and origin, shared by its VUs; absent: each VU its own */
  connections: z.optional(ConnectionsSchema),
  /** data files by name, as JSON text */
  files: z._default(z.record(z.string().check(z.regex(/^[A-Za-z_]\w{0,63}$/)), z.string()), {}),
  expectWorkers: z._default(z.int().check(z.minimum(1), z.maximum(100_000)), 1),
  expectWorkersTimeoutMs: z._default(z.int().check(z.minimum(0), z.maximum(24 * 3_600_000)), 60_000),
  /** the scenario has setup() / teardown(): run each once for the cluster */
  setup: z._default(z.boolean(), false),
  teardown: z._default(z.boolean(), false),
  /** how long setup() and teardown() may take (k6's setupTimeout and teardownTimeout; default 120 s) */
  setupTimeoutMs: z.optional(z.int().check(z.minimum(1), z.maximum(24 * 3_600_000))),
  teardownTimeoutMs: z.optional(z.int().check(z.minimum(1), z.maximum(24 * 3_600_000))),
  /** k6-style scenarios; when given they are the plan, and users/spawnRate/runTimeMs only describe it */
  scenarios: z.optional(z.array(ScenarioPlanSchema).check(z.minLength(1), z.maxLength(64))),
  /** k6's --http-debug: workers write each request and response to their stderr (`full`: with bodies) */
  httpDebug: z.optional(HttpDebugSchema),
  /** what a worker keeps of each response body, in bytes (the rest is counted in data_received, not held) */
  maxBodyBytes: z.optional(MaxBodyBytesSchema),
  /** k6's summaryTrendStats: the trend statistics the summary shows */
  summaryTrendStats: z.optional(
    z
      .array(Text(16).check(z.refine(isTrendStat, 'not one of avg, min, med, max, count, p(N) with N from 0 to 100')))
      .check(z.minLength(1), z.maxLength(32)),
  ),
  /** k6-syntax thresholds, judged on the merged data (see thresholds/evaluate.ts) */
  thresholds: z._default(
    z.record(
      Text(512),
      z
        .array(
          z.union([
            Text(256),
            z.object({
              threshold: Text(256),
              abortOnFail: z.optional(z.boolean()),
              delayAbortEvalMs: z.optional(z.int().check(z.minimum(0))),
            }),
          ]),
        )
        .check(z.maxLength(64)),
    ),
    {},
  ),
});

export type StartRunBody = z.input<typeof StartRunBodySchema>;

/** POST /api/runs/current/scale: the running run's users from now on (Locust's edit, k6's scale). */
export const ScaleBodySchema = z.strictObject({
  users: z.int().check(z.minimum(0), z.maximum(10_000_000)),
  spawnRate: z.optional(z.number().check(z.positive(), z.maximum(1_000_000))),
});

export type ScaleBody = z.infer<typeof ScaleBodySchema>;

/** Body of POST /api/runs/from-dashboard: a scenario of the catalog, and the load the form asks for. */
export const DashboardFormSchema = z.object({
  file: z.string().check(z.minLength(1), z.maxLength(256)),
  users: Users,
  spawnRate: SpawnRate,
  runTimeMs: z.optional(RunTimeMs),
  host: z.url(),
  ownPlan: z.optional(z.boolean()),
});
