// Prometheus metrics of one Opus server, in a registry of its own (no global state): builds by
// result and duration, queue length, syncs, HTTP requests by kind and status.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventSink, OpusEvent } from '../ports/event-sink.js';
import type { BuildQueue } from './build-queue.js';
import type { SyncReport } from './sync-service.js';

export type RequestKind = 'site' | 'api' | 'webhook' | 'dashboard' | 'ops' | 'other';

export class Metrics implements EventSink {
  readonly registry = new Registry();
  private readonly builds: Counter<'result'>;
  private readonly buildSeconds: Histogram<'result'>;
  private readonly syncSeconds: Histogram<'result'>;
  private readonly syncErrors: Counter;
  /** Plain counts on the request path (one increment each); handed to prom-client when scraped. */
  private readonly requestCounts = new Map<string, number>();
  private readonly reported = new Map<string, number>();

  constructor(queue?: BuildQueue, options: { processMetrics?: boolean } = {}) {
    const registers = [this.registry];
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
    const reported = this.reported;
    new Counter({
      name: 'opus_http_requests_total',
      help: 'HTTP responses by kind of request (site, api, dashboard, ops) and status code',
      labelNames: ['kind', 'status'],
      registers,
      collect() {
        for (const [key, count] of counts) {
          const delta = count - (reported.get(key) ?? 0);
          if (delta <= 0) continue;
          const [kind = 'other', status = '0'] = key.split(' ');
          this.inc({ kind, status }, delta);
          reported.set(key, count);
        }
      },
    });
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** EventSink: build results feed the build metrics; other events are not counted here. */
  emit(event: Omit<OpusEvent, 'at'>): void {
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
    const key = `${kind} ${status}`;
    this.requestCounts.set(key, (this.requestCounts.get(key) ?? 0) + 1);
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
