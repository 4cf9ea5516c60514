// The delivery loop of one hook: sends its outbox in order, one delivery at a time. A delivery
// blocks the ones after it until it is delivered or given up, so receivers see events in order.
import type { RetryPolicy } from '../domain/backoff.js';
import { errorMessage } from '../domain/errors.js';
import { afterAttempt, newDelivery, redelivered, type DeliveryRecord, type NewDelivery } from '../domain/hook-deliveries.js';
import type { SecretRef } from '../domain/schema.js';
import type { HookFormat } from '../domain/hook-format.js';
import type { HookOutbox, HookSender } from '../ports/hook-outbox.js';
import type { Logger } from './logger.js';

export interface HookLoopOptions {
  outbox: HookOutbox;
  sender: HookSender;
  policy: RetryPolicy;
  logger: Logger;
  /** Delivered and failed records kept per hook (for the API); older ones are deleted. */
  keepFinished: number;
}

/** The longest single sleep; the loop wakes earlier when a delivery is added or redelivered. */
const MAX_SLEEP_MS = 60 * 60_000;

export class HookLoop {
  private nextSeq: number;
  private writes: Promise<void> = Promise.resolve();
  private running: Promise<void> | undefined;
  private stopping = false;
  private inFlight: AbortController | undefined;
  private wake: (() => void) | undefined;

  /** `records` are the hook's stored deliveries, in outbox order. */
  constructor(
    readonly hook: string,
    private records: DeliveryRecord[],
    private readonly options: HookLoopOptions,
  ) {
    this.nextSeq = (records.at(-1)?.seq ?? 0) + 1;
  }

  get deliveries(): readonly DeliveryRecord[] {
    return this.records;
  }

  start(): void {
    this.running ??= this.run().catch((error: unknown) => this.options.logger.error('hook delivery loop stopped', { hook: this.hook, error: errorMessage(error) }));
  }

  /** Stops after the attempt in flight (aborted after `graceMs`; an aborted attempt is retried after a restart). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    const timer = setTimeout(() => this.inFlight?.abort(), graceMs);
    await this.running;
    clearTimeout(timer);
    await this.writes;
  }

  /** Queues a delivery at the end of the outbox; it is written to disk in the background. */
  append(draft: NewDelivery): DeliveryRecord {
    const record = newDelivery(draft, this.nextSeq++);
    this.records.push(record);
    void this.persist(record);
    this.wake?.();
    return record;
  }

  /** Starts a new series of attempts for a delivery, whatever its status; undefined when unknown. */
  async redeliver(id: string, target?: { url: string; secret?: SecretRef | undefined; format?: HookFormat | undefined }): Promise<DeliveryRecord | undefined> {
    const index = this.records.findIndex((r) => r.id === id);
    const record = this.records[index];
    if (!record) return undefined;
    const next = redelivered(record, Date.now(), target);
    this.records[index] = next;
    await this.persist(next);
    this.wake?.();
    return next;
  }

  /** Resolves when every change so far is on disk. */
  flushed(): Promise<void> {
    return this.writes;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      const head = this.records.find((r) => r.status === 'pending');
      const wait = head ? Date.parse(head.nextAttemptAt ?? head.createdAt) - Date.now() : MAX_SLEEP_MS;
      if (!head || wait > 0) await this.sleep(Math.min(wait, MAX_SLEEP_MS));
      else await this.attempt(head);
    }
  }

  private async attempt(record: DeliveryRecord): Promise<void> {
    const controller = new AbortController();
    this.inFlight = controller;
    const result = await this.options.sender.send(record, controller.signal).catch((error: unknown) => ({ error: errorMessage(error), aborted: false }));
    this.inFlight = undefined;
    if (result.aborted) return;
    const index = this.records.findIndex((r) => r.id === record.id);
    const current = this.records[index];
    // Redelivered while in flight: the new series stands, this attempt's answer is not counted.
    if (!current || current !== record) return;
    const next = afterAttempt(current, result, Date.now(), this.options.policy);
    this.records[index] = next;
    const fields = { hook: this.hook, delivery: next.id, event: next.event, attempts: next.attempts, error: next.lastError };
    if (next.status === 'failed') this.options.logger.warn('hook delivery given up', fields);
    else if (next.status === 'delivered' && next.attempts > 1) this.options.logger.info('hook delivered after retries', fields);
    await this.persist(next);
    if (next.status !== 'pending') await this.prune();
  }

  private async prune(): Promise<void> {
    const finished = this.records.filter((r) => r.status !== 'pending');
    const excess = finished.slice(0, Math.max(0, finished.length - this.options.keepFinished));
    if (excess.length === 0) return;
    this.records = this.records.filter((r) => !excess.includes(r));
    for (const record of excess) void this.chain(() => this.options.outbox.remove(record));
    await this.writes;
  }

  /** Writes go one after another, so a later state of a record never loses to an earlier one. */
  private persist(record: DeliveryRecord): Promise<void> {
    return this.chain(() => this.options.outbox.save(record));
  }

  private chain(write: () => Promise<void>): Promise<void> {
    const next = this.writes.then(write).catch((error: unknown) => this.options.logger.error('hook outbox write failed', { hook: this.hook, error: errorMessage(error) }));
    this.writes = next;
    return next;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((done) => {
      // Unref'd: waiting deliveries never keep the process alive on their own (the HTTP server does).
      const timer = setTimeout(finish, ms).unref();
      function finish() {
        clearTimeout(timer);
        done();
      }
      this.wake = finish;
    });
  }
}
