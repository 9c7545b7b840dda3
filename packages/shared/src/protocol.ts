import { z } from './zod.js';
import { VolleyError } from './errors.js';
import { MAX_ENCODED_HISTOGRAM } from './histogram-codec.js';
import { ScenarioPlanSchema } from './executors.js';
import { StageList } from './stages.js';
import { checkSeries } from './series-check.js';
import type { SeriesWire } from './metrics.js';

/**
 * The coordinator ⇄ worker protocol: JSON text frames over one WebSocket.
 * Every frame is decoded from `unknown` and validated here; a frame that
 * fails closes that one connection with the reason (see decodeFrame).
 *
 *   worker                          coordinator
 *   hello{protocol, workerId?, secret?} ▶ (workerId and secret: resuming after a cut)
 *                   ◀────────────── welcome{workerId, secret}
 *   ping{t0} ─────────────────────▶ (clock offset, min-RTT sample wins)
 *                   ◀────────────── pong{t0, now}
 *                   ◀────────────── prepare{runId, scenario, plan, segment}
 *   ready{runId} ─────────────────▶ (after the scenario loaded)
 *                   ◀────────────── setup{runId}            (one worker, when the scenario has setup())
 *   setup-done{data} ─────────────▶
 *                   ◀────────────── start{runId, startAt, setupData}   (one instant, coordinator clock)
 *   window{runId, index, series} ─▶ every second; kept until acknowledged
 *                   ◀────────────── heartbeat{acked{runId, indexes}}   (acks ride the next beat)
 *                   ◀────────────── assign{runId, segment}  (rebalance)
 *                   ◀────────────── restage{runId, scenario, stages}  (scaled)
 *                   ◀────────────── stop{runId, graceMs}
 *   done{runId, lastIndex} ───────▶ after the last window
 *                   ◀────────────── teardown{runId, setupData}  (one worker, when the scenario has teardown())
 *   teardown-done ────────────────▶
 *   heartbeat ◀───────────────────▶ heartbeat, each second both ways
 */
export const PROTOCOL_VERSION = 4;

/** A worker cuts its series into windows of this many ms, numbered from the run's start. */
export const WINDOW_MS = 1000;

/** setup()'s result travels as JSON text of at most this many characters */
export const MAX_SETUP_DATA = 1024 * 1024;

/** Largest frame a coordinator accepts from a worker. */
export const MAX_WORKER_FRAME = 8 * 1024 * 1024;
/** Largest frame a worker accepts (it carries the bundled scenario). */
export const MAX_COORDINATOR_FRAME = 64 * 1024 * 1024;

const Id = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[\w.:-]+$/, 'letters, digits, _ . : - only'));
/** proves a resuming worker is the one its id was given to */
const Secret = z.string().check(z.regex(/^[0-9a-f]{32}$/, '32 hex digits'));
const Name = z.string().check(z.minLength(1), z.maxLength(128), z.regex(/^[A-Za-z_][\w]*$/, 'a metric name: letters, digits and _'));
const Count = z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));
// zod 4 refuses Infinity and NaN in every number
const Finite = z.number();
const NonNegative = z.number().check(z.nonnegative());
const Tags = z
  .record(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z_][\w]*$/)), z.string().check(z.maxLength(512)))
  .check(z.refine((t) => Object.keys(t).length <= 16, 'at most 16 tags'));
const Text = (max: number) => z.string().check(z.maxLength(max));

/** The specification of a window's series; windows are checked by checkSeries, held to this by a property test. */
export const SeriesSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('trend'),
      metric: Name,
      tags: Tags,
      count: Count,
      sum: NonNegative,
      min: NonNegative,
      max: NonNegative,
      hist: Text(MAX_ENCODED_HISTOGRAM),
    })
    .check(z.refine((s) => s.count === 0 || s.min <= s.max, 'min above max')),
  z.object({ kind: z.literal('counter'), metric: Name, tags: Tags, value: NonNegative }),
  z.object({ kind: z.literal('rate'), metric: Name, tags: Tags, passes: Count, fails: Count }),
  z.object({ kind: z.literal('gauge'), metric: Name, tags: Tags, value: Finite }),
]);

/** what setup()/teardown() printed, shown to the user */
const HookOutput = z.optional(z.array(Text(4096)).check(z.maxLength(200)));

export const SegmentSchema = z
  .object({
    weights: z.array(z.int().check(z.positive(), z.maximum(1024))).check(z.minLength(1), z.maxLength(4096)),
    index: Count,
  })
  .check(z.refine((s) => s.index < s.weights.length, 'segment index beyond its weights'));

/** What to run: scenarios, each with a start time and an executor (see executors.ts). */
export const PlanSchema = z.object({
  scenarios: z.array(ScenarioPlanSchema).check(z.minLength(1), z.maxLength(64)),
});

export const TargetTlsSchema = z.object({
  insecure: z.optional(z.boolean()),
  ca: z.optional(Text(1024 * 1024)),
  cert: z.optional(Text(1024 * 1024)),
  key: z.optional(Text(1024 * 1024)),
});

/** A run's fields that the control API's start body and the workers' run config share. */
export const EnvSchema = z.record(Text(256), Text(65536));
export const ConnectionsSchema = z.int().check(z.minimum(1), z.maximum(1_000_000));
export const HttpDebugSchema = z.enum(['headers', 'full']);
export const MaxBodyBytesSchema = z.int().check(z.minimum(0), z.maximum(2 ** 31));

export const RunConfigSchema = z.object({
  runId: Id,
  host: Text(2048),
  plan: PlanSchema,
  env: z._default(EnvSchema, {}),
  /** data files by name, as JSON text (parsed once per worker, shared by its VUs) */
  files: z._default(z.record(Text(64), z.string()), {}),
  /** TLS towards the system under test */
  targetTls: z.optional(TargetTlsSchema),
  /** at most this many connections per worker and origin, shared by its VUs; absent: each VU its own */
  connections: z.optional(ConnectionsSchema),
  /** request phase metrics to record per request name, because a threshold filters them by tag */
  taggedPhases: z._default(z.array(Text(64)).check(z.maxLength(16)), []),
  /** k6's --http-debug: workers write each exchange to their stderr */
  httpDebug: z.optional(HttpDebugSchema),
  /** a response body is kept up to this many bytes (the rest is counted, not held); absent: DEFAULT_MAX_BODY_BYTES */
  maxBodyBytes: z.optional(MaxBodyBytesSchema),
});

/** What a worker keeps of one response body unless told otherwise: a target that sends without end cannot grow it past this per request. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export const ScenarioBundleSchema = z.object({
  /** the file name the user gave, for messages */
  name: z.string().check(z.minLength(1), z.maxLength(1024)),
  /** one ESM module made by esbuild; its default export is the scenario */
  code: Text(MAX_COORDINATOR_FRAME - 1024 * 1024),
});

/** At most `max` series, each checked by checkSeries (a window's; the journal's merged windows). */
export const seriesList = (max: number) =>
  z.pipe(
    z.array(z.unknown()).check(z.maxLength(max)),
    z.transform((xs: unknown[], ctx) => {
      const out: SeriesWire[] = new Array(xs.length);
      for (let i = 0; i < xs.length; i++) {
        const r = checkSeries(xs[i]);
        if (!r.ok) {
          ctx.issues.push({ code: 'custom', message: r.message, path: r.path ? [i, ...r.path.split('.')] : [i], input: xs });
          return z.NEVER;
        }
        out[i] = r.value;
      }
      return out;
    }),
  );

/** A worker's own load in a window: CPU as a fraction of one core over wallMs, event-loop lag, lateness of waking users. */
export const WorkerHealthSchema = z.object({
  cpu: NonNegative.check(z.maximum(1024)),
  /** the window's length; absent from older workers' windows, which count as a whole WINDOW_MS */
  wallMs: z.optional(NonNegative.check(z.maximum(86_400_000))),
  lagP99Ms: NonNegative,
  lagMaxMs: NonNegative,
  wakeLateMs: z.optional(NonNegative),
});

/** A worker's window: every second, kept until acknowledged (the journal holds them too). */
export const WindowMessageSchema = z.object({
  type: z.literal('window'),
  runId: Id,
  index: Count.check(z.maximum(10_000_000)),
  vus: Count,
  series: seriesList(20_000),
  /** the worker's own load in this window: CPU as a fraction of one core, event-loop lag */
  health: z.optional(WorkerHealthSchema),
});

export const WorkerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    protocol: z.int(),
    name: z.string().check(z.minLength(1), z.maxLength(256)),
    workerId: z.optional(Id),
    secret: z.optional(Secret),
    cores: z.int().check(z.positive(), z.maximum(4096)),
    pid: Count,
    version: Text(64),
  }),
  z.object({ type: z.literal('ping'), t0: Finite }),
  z.object({ type: z.literal('heartbeat'), now: Finite }),
  z.object({ type: z.literal('ready'), runId: Id }),
  z.object({ type: z.literal('failed'), runId: Id, reason: Text(8192) }),
  WindowMessageSchema,
  z.object({
    type: z.literal('setup-done'),
    runId: Id,
    data: z.optional(Text(MAX_SETUP_DATA)),
    error: z.optional(Text(8192)),
    output: HookOutput,
  }),
  z.object({ type: z.literal('teardown-done'), runId: Id, error: z.optional(Text(8192)), output: HookOutput }),
  z.object({
    type: z.literal('done'),
    runId: Id,
    lastIndex: z.int().check(z.minimum(-1)),
    /** set when the worker stopped on its own (dead-man switch, shutdown), not on the coordinator's word */
    reason: z.optional(Text(256)),
  }),
  // its executors have done all their work (e.g. its shared iterations); it keeps the run open for
  // iterations moved to it, and says so again each time it runs out
  z.object({ type: z.literal('idle'), runId: Id }),
  // a script called k6's test.abort(): the whole run stops (protocol 4)
  z.object({ type: z.literal('abort'), runId: Id, reason: Text(1024) }),
]);

export const CoordinatorMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('welcome'), protocol: z.int(), workerId: Id, secret: Secret, now: Finite }),
  z.object({ type: z.literal('pong'), t0: Finite, now: Finite }),
  // acked: windows accepted since the last heartbeat (acks ride the beat: one frame a second, not two)
  z.object({
    type: z.literal('heartbeat'),
    now: Finite,
    acked: z.optional(z.object({ runId: Id, indexes: z.array(Count).check(z.maxLength(100_000)) })),
  }),
  // joining: a worker admitted mid-run owes no iterations of its own (iteration executors), only what `assign` moves to it
  z.object({
    type: z.literal('prepare'),
    config: RunConfigSchema,
    scenario: ScenarioBundleSchema,
    segment: SegmentSchema,
    joining: z.optional(z.boolean()),
  }),
  z.object({ type: z.literal('setup'), runId: Id }),
  z.object({ type: z.literal('start'), runId: Id, startAt: Finite, setupData: z.optional(Text(MAX_SETUP_DATA)) }),
  z.object({ type: z.literal('teardown'), runId: Id, setupData: z.optional(Text(MAX_SETUP_DATA)) }),
  // moved: iterations (per scenario) of a lost worker that this one now runs as well
  z.object({ type: z.literal('assign'), runId: Id, segment: SegmentSchema, moved: z.optional(z.record(Text(128), Count)) }),
  // a scaled run (Locust's edit, k6's scale): this ramping-vus scenario's stages from now on, the past unchanged
  z.object({ type: z.literal('restage'), runId: Id, scenario: Text(128), stages: StageList }),
  z.object({ type: z.literal('stop'), runId: Id, reason: Text(1024), gracefulStopMs: Count }),
  z.object({ type: z.literal('shutdown'), reason: Text(1024) }),
]);

export type WorkerMessage = z.infer<typeof WorkerMessageSchema>;
export type WorkerHealthWire = z.infer<typeof WorkerHealthSchema>;
export type CoordinatorMessage = z.infer<typeof CoordinatorMessageSchema>;
export type WindowMessage = Extract<WorkerMessage, { type: 'window' }>;
export type AbortMessage = Extract<WorkerMessage, { type: 'abort' }>;
export type PrepareMessage = Extract<CoordinatorMessage, { type: 'prepare' }>;
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type Plan = z.infer<typeof PlanSchema>;
export type ScenarioBundle = z.infer<typeof ScenarioBundleSchema>;

/**
 * Parses and validates one text frame. Throws VolleyError('VOLLEY_BAD_MESSAGE')
 * with a reason short enough for a WebSocket close frame (≤ 123 bytes).
 */
export function decodeFrame<T>(schema: z.ZodMiniType<T>, raw: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new VolleyError('VOLLEY_BAD_MESSAGE', 'frame is not JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'message';
    throw new VolleyError('VOLLEY_BAD_MESSAGE', truncate(`bad ${where}: ${issue?.message ?? 'invalid'}`, 120));
  }
  return parsed.data;
}

export function decodeWorkerMessage(raw: string): WorkerMessage {
  return decodeFrame(WorkerMessageSchema, raw);
}

export function decodeCoordinatorMessage(raw: string): CoordinatorMessage {
  return decodeFrame(CoordinatorMessageSchema, raw);
}

function truncate(s: string, max: number): string {
  return Buffer.byteLength(s) <= max ? s : `${s.slice(0, max - 3)}...`;
}
