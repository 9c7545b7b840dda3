/**
 * What the coordinator keeps for a run of 600 one-second windows from 2
 * workers with 3 request names, with every request's phases (about the guide's 12-minute test, a bit
 * shorter): run by hand with
 *   node --expose-gc --import tsx bench/window-memory.ts
 */
import { Recorder } from '../packages/worker/src/recorder.js';
import { Aggregator } from '../packages/coordinator/src/aggregate/aggregator.js';
const agg = new Aggregator();
const recs = [new Recorder(), new Recorder()];
const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
for (let i = 0; i < 600; i++) {
  recs.forEach((r, w) => {
    for (let k = 0; k < 300; k++)
      for (const name of ['health_check', 'verify_biometric', 'enroll_biometric']) {
        const us = Math.round(500 + Math.random() * 2_000_000 * Math.random() ** 4);
        r.request(
          'GET',
          name,
          {
            durationUs: us,
            blockedUs: 5,
            connectingUs: 0,
            tlsUs: 0,
            sendingUs: 10,
            waitingUs: us - 65,
            receivingUs: 50,
            sentBytes: 60,
            receivedBytes: 120,
            complete: true,
          },
          true,
        );
      }
    agg.add(`w${w}`, JSON.parse(JSON.stringify({ type: 'window', runId: 'r', index: i, vus: 100, series: r.cut() })));
  });
}
global.gc?.();
const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
console.log(`600 windows × 2 workers × 3 names: ${((after - before) / 1024 / 1024).toFixed(0)} MB retained`);
