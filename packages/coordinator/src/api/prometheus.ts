import { Gauge, Registry } from 'prom-client';
import type { Cluster } from '../cluster/cluster.js';

/**
 * /metrics for Prometheus (prom-client), collected from the cluster at each
 * scrape: the run's live figures, latency quantiles per request name, errors
 * by reason, and each worker's health.
 */
export function prometheusRegistry(cluster: Cluster): Registry {
  const registry = new Registry();
  const g = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  const workers = g('volley_workers', 'Workers known to the coordinator, by whether they are connected', ['connected']);
  const workerUp = g('volley_worker_up', 'Whether a worker is connected (1) or not (0)', ['worker', 'name']);
  const workerSilent = g('volley_worker_silence_seconds', 'Seconds since the coordinator last heard from a worker', ['worker', 'name']);
  const workerInRun = g('volley_worker_in_run', 'Whether a worker holds a share of the current run', ['worker', 'name']);
  const workerCpu = g('volley_worker_cpu_ratio', "A worker's CPU in its last window, as a fraction of one core", ['worker', 'name']);
  const workerLag = g('volley_worker_event_loop_lag_p99_seconds', "A worker's event-loop lag p99 in its last window", ['worker', 'name']);
  const workerWakeLate = g(
    'volley_worker_wake_late_seconds',
    "How late, on average, a worker's users woke from think time in its last window",
    ['worker', 'name'],
  );
  const running = g('volley_run_active', 'Whether a run is preparing, running or stopping (1), by state', ['run', 'state']);
  const vus = g('volley_run_vus', 'Virtual users in the last complete window of the current run');
  const rps = g('volley_run_requests_per_second', 'Requests in the last complete window of the current run');
  const requests = g('volley_run_requests', 'Requests so far in the current run', ['name']);
  const failures = g('volley_run_failures', 'Failed requests so far in the current run', ['name']);
  const latency = g('volley_request_duration_seconds', 'Response time quantiles so far in the current run (merged across workers)', [
    'name',
    'quantile',
  ]);
  const errors = g('volley_request_errors', 'Failures so far in the current run, by reason', ['name', 'error']);

  // one collector refreshes every gauge from a single snapshot
  new Gauge({
    name: 'volley_scrape_collected',
    help: 'Set on each scrape',
    registers: [registry],
    collect() {
      const snap = cluster.metricsSnapshot();
      for (const m of [
        workers,
        workerUp,
        workerSilent,
        workerInRun,
        workerCpu,
        workerLag,
        workerWakeLate,
        running,
        requests,
        failures,
        latency,
        errors,
      ])
        m.reset();
      workers.set({ connected: 'true' }, snap.workers.filter((w) => w.connected).length);
      workers.set({ connected: 'false' }, snap.workers.filter((w) => !w.connected).length);
      for (const w of snap.workers) {
        const l = { worker: w.id, name: w.name };
        workerUp.set(l, w.connected ? 1 : 0);
        workerSilent.set(l, w.silentMs / 1000);
        workerInRun.set(l, w.inRun ? 1 : 0);
        if (w.cpu !== undefined) workerCpu.set(l, w.cpu);
        if (w.lagP99Ms !== undefined) workerLag.set(l, w.lagP99Ms / 1000);
        if (w.wakeLateMs !== undefined) workerWakeLate.set(l, w.wakeLateMs / 1000);
      }
      const run = snap.run;
      vus.set(run?.vus ?? 0);
      rps.set(run?.rps ?? 0);
      if (!run) return;
      running.set({ run: run.id, state: run.state }, ['preparing', 'running', 'stopping'].includes(run.state) ? 1 : 0);
      for (const n of run.byName) {
        requests.set({ name: n.name }, n.count);
        failures.set({ name: n.name }, n.failures);
        latency.set({ name: n.name, quantile: '0.5' }, n.p50);
        latency.set({ name: n.name, quantile: '0.95' }, n.p95);
        latency.set({ name: n.name, quantile: '0.99' }, n.p99);
      }
      for (const e of run.errors) errors.set({ name: e.name, error: e.error }, e.count);
      this.set(1);
    },
  });
  return registry;
}
