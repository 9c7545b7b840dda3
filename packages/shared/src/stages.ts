import { z } from './zod.js';

/**
 * One stage of a ramp: over `durationMs`, move to `target` — VUs for
 * ramping-vus (and the Locust ramp), iterations per time unit for
 * ramping-arrival-rate, which may be fractional.
 */
export const StageSchema = z.object({
  durationMs: z.int().check(z.minimum(0), z.maximum(31 * 24 * 3_600_000)),
  target: z.number().check(z.minimum(0), z.maximum(10_000_000)),
});

export const StageList = z.array(StageSchema).check(z.minLength(1), z.maxLength(1000));

export type Stage = z.infer<typeof StageSchema>;
