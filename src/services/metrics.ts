// Prometheus metrics of one Opus server, in a registry of its own (no global state): builds by
// result and duration, queue length, syncs, HTTP requests by kind and status.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventSink, OpusEvent } from '../ports/event-sink.js';
import type { BuildQueue } from './build-queue.js';
import type { SyncReport } from './sync-service.js';

export type RequestKind = 'site' | 'api' | 'webhook' | 'dashboard' | 'ops' | 'other';

/** HTTP status codes are three digits; anything else is counted as status 0. */
const STATUS_SLOTS = 1000;

export class Metrics implements EventSink {
  readonly registry = new Registry();
  private readonly builds: Counter<'result'>;
  private readonly buildSeconds: Histogram<'result'>;
  private readonly syncSeconds: Histogram<'result'>;
  private readonly syncErrors: Counter;
  private readonly previews: Counter<'event'>;
  /** Plain counts on the request path (one array increment each, by status code); handed to prom-client when scraped. */
  private readonly requestCounts = new Map<RequestKind, Float64Array>();

  constructor(queue?: BuildQueue, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
    this.previews = new Counter({ name: 'opus_preview_events_total', help: 'Previews that became ready, failed or were removed', labelNames: ['event'], registers });
    this.builds = new Counter({ name: 'opus_builds_total', help: 'Finished builds by result (succeeded, failed, cancelled)', labelNames: ['result'], registers });
    this.buildSeconds = new Histogram({
      name: 'opus_build_duration_seconds',
      help: 'How long builds took, from clone to published',
      labelNames: ['result'],
      buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers,
    });
    this.syncSeconds = new Histogram({
      name: 'opus_sync_duration_seconds',
      help: 'How long a sync took (fetch the config repo, plan, apply)',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.syncErrors = new Counter({ name: 'opus_sync_errors_total', help: 'Syncs that failed (the config repo could not be fetched or applied)', registers });
    if (queue) {
      new Gauge({
        name: 'opus_build_queue_length',
        help: 'Builds waiting (queued) and running',
        labelNames: ['state'],
        registers,
        collect() {
          this.set({ state: 'queued' }, queue.queuedKeys().length);
          this.set({ state: 'running' }, queue.runningKeys().length);
        },
      });
    }
    const counts = this.requestCounts;
    const reported = new Map<RequestKind, Float64Array>();
    new Counter({
      name: 'opus_http_requests_total',
      help: 'HTTP responses by kind of request (site, api, dashboard, ops) and status code',
      labelNames: ['kind', 'status'],
      registers,
      collect() {
        for (const [kind, byStatus] of counts) {
          let told = reported.get(kind);
          if (!told) reported.set(kind, (told = new Float64Array(STATUS_SLOTS)));
          for (let status = 0; status < STATUS_SLOTS; status++) {
            const delta = (byStatus[status] as number) - (told[status] as number);
            if (delta <= 0) continue;
            this.inc({ kind, status: String(status) }, delta);
            told[status] = byStatus[status] as number;
          }
        }
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** EventSink: build results feed the build metrics, preview events their counter; other events are not counted here. */
  emit(event: Omit<OpusEvent, 'at'>): void {
    const preview = /^preview\.(ready|failed|removed)$/.exec(event.event)?.[1];
    if (preview) this.previews.inc({ event: preview });
    const result = /^build\.(succeeded|failed|cancelled)$/.exec(event.event)?.[1];
    if (!result) return;
    this.builds.inc({ result });
    if (event.durationMs !== undefined) this.buildSeconds.observe({ result }, event.durationMs / 1000);
  }

  syncFinished(report: SyncReport, durationMs: number): void {
    const result = report.error ? 'failed' : 'ok';
    this.syncSeconds.observe({ result }, durationMs / 1000);
    if (report.error) this.syncErrors.inc();
  }

  request(kind: RequestKind, status: number): void {
    let byStatus = this.requestCounts.get(kind);
    if (!byStatus) this.requestCounts.set(kind, (byStatus = new Float64Array(STATUS_SLOTS)));
    const slot = status >= 0 && status < STATUS_SLOTS ? status : 0;
    byStatus[slot] = (byStatus[slot] as number) + 1;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/** Several sinks as one: each event goes to every sink, and one sink's failure stays its own. */
export function fanOut(...sinks: EventSink[]): EventSink {
  return {
    emit(event) {
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch {
          // A sink must not break the service that emits.
        }
      }
    },
  };
}
