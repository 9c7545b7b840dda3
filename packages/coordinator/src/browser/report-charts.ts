/**
 * The HTML report's charts: requests and failures per second, p50/p95/p99
 * and users, over the run. The series come in the page as JSON
 * (<script id="volley-series">); uPlot is inlined before this script.
 */
interface Series {
  t: number[];
  rps: number[];
  fps: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  vus: number[];
}

const data = JSON.parse(document.getElementById('volley-series')!.textContent!) as Series;
const width = (): number => Math.min(1160, document.body.clientWidth - 10);

function chart(id: string, title: string, labels: string[], columns: (number | null)[][], colors: string[]): uPlot {
  const opts: uPlot.Options = {
    title,
    width: width(),
    height: 220,
    series: [{}, ...labels.map((label, i) => ({ label, stroke: colors[i], width: 2, spanGaps: false }))],
    axes: [{}, { size: 60 }],
  };
  return new uPlot(opts, [data.t, ...columns] as uPlot.AlignedData, document.getElementById(id)!);
}

// the report's tests read them
(window as unknown as { VOLLEY_CHARTS: uPlot[] }).VOLLEY_CHARTS = [
  chart('chart-rps', 'Requests per second', ['requests/s', 'failures/s'], [data.rps, data.fps], ['#2a6fdb', '#d93025']),
  chart('chart-latency', 'Response time (ms)', ['p50', 'p95', 'p99'], [data.p50, data.p95, data.p99], ['#1e8e3e', '#f29900', '#d93025']),
  chart('chart-users', 'Users', ['VUs'], [data.vus], ['#7b1fa2']),
];

// a module, so that its names stay its own
export {};
