import { CountsRecorder, type SeriesWire, type Tags, METRIC } from '@volley/shared';
import type { RequestTiming } from './http/exchange.js';

/** Distinct failure reasons kept per request name before they fold into "other". */
const MAX_REASONS_PER_REQUEST = 50;
/** Distinct custom series per worker; past it new ones are dropped (and counted) */
const MAX_CUSTOM_SERIES = 5000;

export type CustomKind = 'trend' | 'counter' | 'rate' | 'gauge';

class TrendCell {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  readonly hist = new CountsRecorder();
  constructor(
    readonly metric: string,
    readonly tags: Tags,
  ) {}
  add(us: number): void {
    this.count++;
    this.sum += us;
    if (us < this.min) this.min = us;
    if (us > this.max) this.max = us;
    this.hist.record(us);
  }
  /** The window's delta, then reset: the next window starts empty. */
  cut(): SeriesWire | undefined {
    if (this.count === 0) return undefined;
    const wire: SeriesWire = {
      kind: 'trend',
      metric: this.metric,
      tags: this.tags,
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      hist: this.hist.encode(),
    };
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.hist.reset();
    return wire;
  }
}

class CounterCell {
  value = 0;
  constructor(
    readonly metric: string,
    readonly tags: Tags,
  ) {}
  cut(): SeriesWire | undefined {
    if (this.value === 0) return undefined;
    const wire: SeriesWire = { kind: 'counter', metric: this.metric, tags: this.tags, value: this.value };
    this.value = 0;
    return wire;
  }
}

class RateCell {
  passes = 0;
  fails = 0;
  constructor(
    readonly metric: string,
    readonly tags: Tags,
  ) {}
  cut(): SeriesWire | undefined {
    if (this.passes === 0 && this.fails === 0) return undefined;
    const wire: SeriesWire = { kind: 'rate', metric: this.metric, tags: this.tags, passes: this.passes, fails: this.fails };
    this.passes = 0;
    this.fails = 0;
    return wire;
  }
}

/** Why a scenario's tags could not travel (the protocol's limits), if so. */
function tagProblem(tags: Tags): string | undefined {
  const entries = Object.entries(tags);
  if (entries.length > 16) return 'at most 16 tags';
  for (const [k, v] of entries) {
    if (!/^[A-Za-z_]\w{0,63}$/.test(k)) return `tag name "${k}": letters, digits and _ only`;
    if (typeof v !== 'string' || v.length > 512) return `tag ${k}: the value must be a string of at most 512 characters`;
  }
  return undefined;
}

class GaugeCell {
  value = 0;
  set = false;
  constructor(
    readonly metric: string,
    readonly tags: Tags,
  ) {}
  cut(): SeriesWire | undefined {
    if (!this.set) return undefined;
    this.set = false; // a gauge keeps its value, but is sent only in windows where it was set
    return { kind: 'gauge', metric: this.metric, tags: this.tags, value: this.value };
  }
}

/** The cells one request name + method writes to, looked up once per request. */
interface RequestCells {
  duration: TrendCell;
  sent: CounterCell;
  failed: RateCell;
  received: CounterCell;
  reasons: Map<string, CounterCell>;
  /** the phases, shared by every request unless a threshold asked for them by tag */
  phases: PhaseCells;
}

type PhaseCells = Record<(typeof PHASES)[number], TrendCell>;

/** k6's request phases and the timing field each is read from. */
const PHASES = ['blocked', 'connecting', 'tls', 'sending', 'waiting', 'receiving'] as const;
const PHASE_METRIC: Record<(typeof PHASES)[number], string> = {
  blocked: METRIC.httpReqBlocked,
  connecting: METRIC.httpReqConnecting,
  tls: METRIC.httpReqTlsHandshaking,
  sending: METRIC.httpReqSending,
  waiting: METRIC.httpReqWaiting,
  receiving: METRIC.httpReqReceiving,
};

/** A timing where only the total is known (a request measured elsewhere, or a test's). */
export function totalOnly(durationUs: number, receivedBytes = 0): RequestTiming {
  return {
    durationUs,
    blockedUs: 0,
    connectingUs: 0,
    tlsUs: 0,
    sendingUs: 0,
    waitingUs: 0,
    receivingUs: 0,
    sentBytes: 0,
    receivedBytes,
    complete: false,
  };
}

/**
 * Records measurements into per-series cells and cuts them into one
 * window's deltas (deltas only, as Locust's stripped reports: merging stays
 * commutative). Durations are integer microseconds.
 */
export class Recorder {
  /**
   * @param taggedPhases phase metrics (e.g. http_req_waiting) to record per
   * request name and tags, because a threshold filters them by tag; the
   * others are one series per worker, which keeps windows small (one
   * histogram per request name, not seven).
   */
  constructor(private readonly taggedPhases: ReadonlySet<string> = new Set()) {}

  private sharedPhases?: PhaseCells;
  /** `method name tags` → cells, for requests with tags */
  private readonly tagged = new Map<string, RequestCells>();
  /** name → method → cells, for requests without tags */
  private readonly untagged = new Map<string, Map<string, RequestCells>>();
  private readonly cells: { cut(): SeriesWire | undefined }[] = [];
  private readonly counters = new Map<string, CounterCell>();
  private readonly custom = new Map<string, TrendCell | CounterCell | RateCell | GaugeCell>();
  private readonly customKinds = new Map<string, CustomKind>();
  private iterationDuration?: TrendCell;
  private readonly iterationCounts = new Map<string, CounterCell>();

  /**
   * One finished iteration (a Locust task, or k6's default function). The
   * count carries its scenario, as k6 tags it: the coordinator knows what
   * each worker has done of each scenario when one is lost.
   */
  iteration(durationUs: number, scenario = 'default'): void {
    if (!this.iterationDuration) {
      this.iterationDuration = new TrendCell(METRIC.iterationDuration, {});
      this.cells.push(this.iterationDuration);
    }
    this.iterationDuration.add(durationUs);
    let count = this.iterationCounts.get(scenario);
    if (!count) {
      count = new CounterCell(METRIC.iterations, { scenario });
      this.iterationCounts.set(scenario, count);
      this.cells.push(count);
    }
    count.value++;
  }

  /**
   * A scenario's own measurement (Trend, Counter, Rate, Gauge, check).
   * Returns a reason when it is refused: a name used with another kind, a
   * value a trend cannot hold, or too many series.
   */
  metric(kind: CustomKind, metric: string, value: number, tags: Tags = {}): string | undefined {
    const badTags = tagProblem(tags);
    if (badTags) return `metric ${metric}: ${badTags}`;
    const known = this.customKinds.get(metric);
    if (known && known !== kind) return `metric ${metric} is a ${known}, not a ${kind}`;
    if (!Number.isFinite(value)) return `metric ${metric}: ${value} is not a finite number`;
    if ((kind === 'trend' || kind === 'counter') && value < 0) return `metric ${metric}: a ${kind} takes values ≥ 0, got ${value}`;
    const key = JSON.stringify([metric, tags]);
    let cell = this.custom.get(key);
    if (!cell) {
      if (this.custom.size >= MAX_CUSTOM_SERIES) return `more than ${MAX_CUSTOM_SERIES} custom series`;
      cell =
        kind === 'trend'
          ? new TrendCell(metric, tags)
          : kind === 'counter'
            ? new CounterCell(metric, tags)
            : kind === 'rate'
              ? new RateCell(metric, tags)
              : new GaugeCell(metric, tags);
      this.customKinds.set(metric, kind);
      this.custom.set(key, cell);
      this.cells.push(cell);
    }
    if (cell instanceof TrendCell)
      cell.add(Math.round(value * 1000)); // ms with µs resolution, as request times
    else if (cell instanceof CounterCell) cell.value += value;
    else if (cell instanceof RateCell) value ? cell.passes++ : cell.fails++;
    else {
      cell.value = value;
      cell.set = true;
    }
    return undefined;
  }

  /** One finished request: its timing, verdict and failure reason. */
  request(method: string, name: string, t: RequestTiming, ok: boolean, reason?: string, tags?: Tags): void {
    // untagged requests (most) find their cells without building a key string
    let c = tags ? this.tagged.get(`${method} ${name} ${JSON.stringify(tags)}`) : this.untagged.get(name)?.get(method);
    if (!c) {
      const bad = tags && tagProblem(tags);
      if (bad) {
        this.count('task_errors', { user: 'scenario', task: name.slice(0, 200), error: `request tags: ${bad}` });
        return this.request(method, name, t, ok, reason, undefined);
      }
      c = this.newRequestCells(method, name, tags);
    }
    c.duration.add(t.durationUs);
    // k6's http_req_failed is a Rate whose "passes" are the failed requests
    if (ok) c.failed.fails++;
    else c.failed.passes++;
    c.sent.value += t.sentBytes;
    c.received.value += t.receivedBytes;
    if (t.complete) {
      const p = c.phases;
      p.blocked.add(t.blockedUs);
      p.connecting.add(t.connectingUs);
      p.tls.add(t.tlsUs);
      p.sending.add(t.sendingUs);
      p.waiting.add(t.waitingUs);
      p.receiving.add(t.receivingUs);
    }
    if (!ok) this.failure(c, reason ?? 'failed');
  }

  /** Adds to a counter series (e.g. task errors). */
  count(metric: string, tags: Tags, n = 1): void {
    const key = JSON.stringify([metric, tags]);
    let cell = this.counters.get(key);
    if (!cell) {
      cell = new CounterCell(metric, tags);
      this.counters.set(key, cell);
      this.cells.push(cell);
    }
    cell.value += n;
  }

  /** Every series with something in it since the last cut. */
  cut(): SeriesWire[] {
    const out: SeriesWire[] = [];
    for (const cell of this.cells) {
      const w = cell.cut();
      if (w) out.push(w);
    }
    return out;
  }

  private newRequestCells(method: string, name: string, extra?: Tags): RequestCells {
    const tags = { ...extra, method, name };
    const c: RequestCells = {
      duration: new TrendCell(METRIC.httpReqDuration, tags),
      sent: new CounterCell(METRIC.dataSent, tags),
      failed: new RateCell(METRIC.httpReqFailed, tags),
      received: new CounterCell(METRIC.dataReceived, tags),
      reasons: new Map(),
      phases: this.phaseCells(tags),
    };
    this.cells.push(c.duration, c.sent, c.failed, c.received);
    if (extra) this.tagged.set(`${method} ${name} ${JSON.stringify(extra)}`, c);
    else {
      let byMethod = this.untagged.get(name);
      if (!byMethod) this.untagged.set(name, (byMethod = new Map()));
      byMethod.set(method, c);
    }
    return c;
  }

  private phaseCells(tags: Tags): PhaseCells {
    if (!this.sharedPhases) {
      this.sharedPhases = {} as PhaseCells;
      for (const p of PHASES) {
        this.sharedPhases[p] = new TrendCell(PHASE_METRIC[p], {});
        this.cells.push(this.sharedPhases[p]);
      }
    }
    if (this.taggedPhases.size === 0) return this.sharedPhases;
    const cells = { ...this.sharedPhases };
    for (const p of PHASES) {
      if (!this.taggedPhases.has(PHASE_METRIC[p])) continue;
      cells[p] = new TrendCell(PHASE_METRIC[p], tags);
      this.cells.push(cells[p]);
    }
    return cells;
  }

  private failure(c: RequestCells, reason: string): void {
    let cell = c.reasons.get(reason);
    if (!cell) {
      const error = c.reasons.size < MAX_REASONS_PER_REQUEST ? reason.slice(0, 500) : 'other (too many distinct reasons)';
      cell = c.reasons.get(error);
      if (!cell) {
        cell = new CounterCell(METRIC.httpReqErrors, { ...c.duration.tags, error });
        this.cells.push(cell);
        c.reasons.set(error, cell);
      }
    }
    cell.value++;
  }
}
