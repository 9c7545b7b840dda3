/**
 * N simulated workers in one process, each a real WebSocket speaking the
 * worker protocol: hello, ready, heartbeats, and every second a window with
 * `names` request names and the built-in series, as a worker's recorder
 * cuts them (real HDR histograms). For bench/coordinator.ts.
 *
 *   node --import tsx bench/sim-workers.ts ws://HOST:PORT/ N NAMES
 */
import WebSocket from 'ws';
import { PROTOCOL_VERSION } from '../packages/shared/src/protocol.js';
import { Recorder } from '../packages/worker/src/recorder.js';

const [url, n, names] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4] ?? 10)];

/** A few distinct windows' series (a real recorder's cut), reused round-robin: the coordinator decodes each anyway. */
function templates(): string[] {
  const out: string[] = [];
  for (let t = 0; t < 16; t++) {
    const r = new Recorder();
    for (let k = 0; k < names; k++) {
      for (let i = 0; i < 50; i++) {
        const us = Math.round(800 + Math.random() * 40_000 * Math.random() ** 3);
        r.request(
          k % 3 ? 'GET' : 'POST',
          `route_${k}`,
          {
            durationUs: us,
            blockedUs: 20,
            connectingUs: 0,
            tlsUs: 0,
            sendingUs: 10,
            waitingUs: us - 60,
            receivingUs: 30,
            sentBytes: 180,
            receivedBytes: 350,
            complete: true,
          },
          i % 50 !== 0,
          i % 50 === 0 ? 'HTTP 503' : undefined,
        );
      }
      r.iteration(Math.round(1_000_000 + Math.random() * 2_000_000));
    }
    out.push(JSON.stringify(r.cut()));
  }
  return out;
}

const series = templates();
let opened = 0;
for (let w = 0; w < n; w++) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let timer: NodeJS.Timeout | undefined;
  let beat: NodeJS.Timeout | undefined;
  let runId = '';
  let index = 0;
  ws.on('open', () => {
    opened++;
    ws.send(JSON.stringify({ type: 'hello', protocol: PROTOCOL_VERSION, name: `sim-${w}`, cores: 1, pid: process.pid, version: 'bench' }));
    beat = setInterval(() => ws.send(JSON.stringify({ type: 'heartbeat', now: Date.now() })), 1000);
  });
  ws.on('message', (data) => {
    const msg = JSON.parse(data.toString());
    if (msg.type === 'prepare') {
      runId = msg.config.runId;
      ws.send(JSON.stringify({ type: 'ready', runId }));
    } else if (msg.type === 'setup' || msg.type === 'teardown') {
      ws.send(JSON.stringify({ type: `${msg.type}-done`, runId, output: [] }));
    } else if (msg.type === 'start') {
      const first = Math.max(0, msg.startAt + 1000 - Date.now());
      setTimeout(
        () => {
          const send = (): void => {
            ws.send(
              `{"type":"window","runId":"${runId}","index":${index},"vus":10,"series":${series[(w + index) % series.length]},"health":{"cpu":0.1,"lagP99Ms":1,"lagMaxMs":2}}`,
            );
            index++;
          };
          send();
          timer = setInterval(send, 1000);
        },
        first + (w % 100),
      ); // spread over 100 ms, as real workers' clocks are
    } else if (msg.type === 'stop') {
      clearInterval(timer);
      ws.send(JSON.stringify({ type: 'done', runId, lastIndex: index - 1 }));
    } else if (msg.type === 'shutdown') {
      clearInterval(beat);
      ws.close(1000);
    }
  });
  ws.on('close', () => {
    clearInterval(timer);
    clearInterval(beat);
  });
  ws.on('error', (err) => console.error(`sim-${w}: ${err.message}`));
}
setInterval(() => {
  if (opened === n) console.error(`${n} simulated workers connected`);
}, 5000).unref();
