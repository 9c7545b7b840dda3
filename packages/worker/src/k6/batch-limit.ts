/**
 * Runs `jobs` with at most `max` in flight, and `perHost` for one host
 * (0: no limit), in their order; answers in their order.
 */
export function runLimited<T>(jobs: readonly { host: string; run: () => Promise<T> }[], max: number, perHost: number): Promise<T[]> {
  const out = new Array<T>(jobs.length);
  if (jobs.length === 0) return Promise.resolve(out);
  return new Promise((resolve, reject) => {
    const waiting = jobs.map((_, i) => i);
    const byHost = new Map<string, number>();
    let inFlight = 0;
    let done = 0;
    const pump = (): void => {
      for (let w = 0; w < waiting.length && (max <= 0 || inFlight < max); ) {
        const i = waiting[w]!;
        const { host, run } = jobs[i]!;
        const onHost = byHost.get(host) ?? 0;
        if (perHost > 0 && onHost >= perHost) {
          w++;
          continue;
        }
        waiting.splice(w, 1);
        inFlight++;
        byHost.set(host, onHost + 1);
        run().then((r) => {
          out[i] = r;
          inFlight--;
          byHost.set(host, byHost.get(host)! - 1);
          if (++done === jobs.length) resolve(out);
          else pump();
        }, reject);
      }
    };
    pump();
  });
}
