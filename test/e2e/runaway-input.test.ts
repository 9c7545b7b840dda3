// A target that answers without end cannot grow a worker without bound.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCluster, stopAfterEach, volley } from '../helpers.js';
import { args } from '../cli-args.js';

/** The highest resident set a process has had, in bytes (Linux). */
const peakRss = (pid: number): number => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

describe.skipIf(process.platform !== 'linux')('runaway input', () => {
  const owned = stopAfterEach();
  let flood: Server | undefined;
  afterEach(() => {
    flood?.closeAllConnections();
    flood?.close();
  });

  it("an endless chunked body: counted in data_received, kept only up to the cap, the worker's memory bounded", async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    flood = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = (): void => {
        while (!res.destroyed && res.write(chunk));
      };
      res.on('drain', pump);
      pump();
    });
    await new Promise<void>((r) => flood!.listen(0, '127.0.0.1', r));
    const host = `http://127.0.0.1:${(flood.address() as { port: number }).port}`;
    const c = await startCluster(['flooded']);
    owned.track(...c.all);
    const worker = c.workers.get('flooded')!;
    const before = peakRss(worker.pid!);
    const res = await volley(
      args`start test/fixtures/endless-body.ts ${c.api} --users 8 --spawn-rate 100 --run-time 4s --host ${host} --max-body-size 1MB --json ${join(c.dir, 's.json')}`,
    );
    expect(res.code, res.stderr).toBe(0);
    const s = JSON.parse(await readFile(join(c.dir, 's.json'), 'utf8'));
    const received = s.metrics.data_received.values.count as number;
    const grew = peakRss(worker.pid!) - before;
    console.info(
      `endless bodies: ${(received / 1e6).toFixed(0)} MB received by 8 VUs; the worker's peak RSS grew ${(grew / 1e6).toFixed(0)} MB`,
    );
    // far more arrived than the worker may hold: without the cap it would have kept it all until each timeout
    // (GBs); with it, 8 MB kept and the garbage the reads leave (90 MB seen on Node 20, 170 MB on Node 26)
    expect(received).toBeGreaterThan(400e6);
    expect(grew).toBeLessThan(400e6);
    expect(res.stdout).toMatch(/note: \d+ response bodies were longer than --max-body-size/);
    expect(s.metrics.http_req_failed.values.passes).toBeGreaterThan(0); // they timed out, as a target that never finishes makes them
  });
});
