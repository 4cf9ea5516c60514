// Outgoing hooks as an EventSink: emit() routes an event to the hooks that want it and appends one
// delivery per hook to that hook's outbox (never waiting on disk or network); each hook has its
// own delivery loop. The hooks are those of the last valid opus.yaml, read when the event happens.
import { randomUUID } from 'node:crypto';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../domain/backoff.js';
import type { DesiredState } from '../domain/desired-state.js';
import { errorMessage } from '../domain/errors.js';
import { selectDeliveries, type DeliveryFilter, type DeliveryRecord, type NewDelivery } from '../domain/hook-deliveries.js';
import { hookPayload, hookWants, type HookSpec } from '../domain/hooks.js';
import type { Origins } from '../domain/origins.js';
import type { EventSink, OpusEvent } from '../ports/event-sink.js';
import type { HookOutbox, HookSender } from '../ports/hook-outbox.js';
import { HookLoop } from './hook-loop.js';
import type { Logger } from './logger.js';

export interface HookDeliveryOptions {
  outbox: HookOutbox;
  sender: HookSender;
  logger: Logger;
  /** The desired state of the last sync (SyncService.desiredState). */
  desired: () => DesiredState | undefined;
  /** Where users reach this server, for the URLs in each body. */
  publicUrl: () => string;
  /** Where sites are served, for the site and preview URLs in each body (default: *.localhost). */
  origins?: Origins;
  policy?: Partial<RetryPolicy>;
  /** Delivered and failed deliveries kept per hook (default 500). */
  keepFinished?: number;
  /** How long stop() lets an attempt in flight finish before aborting it (default 2 s). */
  stopGraceMs?: number;
}

export class HookDeliveryService implements EventSink {
  private readonly loops = new Map<string, HookLoop>();
  private readonly policy: RetryPolicy;
  private routes: HookSpec[] = [];
  private routesKey = '[]';
  private routeWrites: Promise<void> = Promise.resolve();
  /** Deliveries of events emitted before start(): queued once the stored outboxes are loaded. */
  private early: NewDelivery[] | undefined = [];
  private stopped = false;

  constructor(private readonly options: HookDeliveryOptions) {
    this.policy = { ...DEFAULT_RETRY_POLICY, ...options.policy };
  }

  /** Loads every stored outbox (pending deliveries of earlier runs included) and starts the loops. */
  async start(): Promise<void> {
    if (!this.early) return;
    const { outbox } = this.options;
    const saved = await outbox.readRoutes();
    if (saved && this.routesKey === '[]') this.adopt(saved, false);
    for (const hook of await outbox.hookIds()) this.loops.set(hook, new HookLoop(hook, await outbox.load(hook), this.loopOptions()));
    for (const loop of this.loops.values()) loop.start();
    const early = this.early ?? [];
    this.early = undefined;
    for (const draft of early) this.loopFor(draft.hook).append(draft);
  }

  /** Lets attempts in flight finish (briefly), and waits until every change is on disk. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.loops.values()].map((loop) => loop.stop(this.options.stopGraceMs ?? 2_000)));
    await this.routeWrites;
  }

  emit(event: Omit<OpusEvent, 'at'>): void {
    try {
      if (this.stopped) return;
      const targets = this.currentHooks().filter((hook) => hookWants(hook, event.event));
      if (targets.length === 0) return;
      const at = new Date().toISOString();
      const payload = hookPayload(randomUUID(), { ...event, at }, this.options.publicUrl(), this.options.origins);
      for (const hook of targets) {
        const draft: NewDelivery = { id: randomUUID(), hook: hook.id, ...(hook.name ? { hookName: hook.name } : {}), url: hook.url, ...(hook.secret ? { secret: hook.secret } : {}), ...(hook.format ? { format: hook.format } : {}), event: event.event, payload, createdAt: at };
        if (this.early) this.early.push(draft);
        else this.loopFor(hook.id).append(draft);
      }
    } catch (error) {
      this.options.logger.error('hook event not queued', { event: event.event, error: errorMessage(error) });
    }
  }

  /** The hooks events go to: those of the last valid opus.yaml (a broken one changes nothing). */
  currentHooks(): HookSpec[] {
    const desired = this.options.desired();
    if (desired && !desired.settingsBroken) this.adopt(desired.settings.hooks ?? [], true);
    return this.routes;
  }

  deliveries(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return selectDeliveries(this.allRecords(), filter);
  }

  delivery(id: string): DeliveryRecord | undefined {
    for (const record of this.allRecords()) if (record.id === id) return record;
    return undefined;
  }

  /** A new series of attempts for a delivery, to the hook's current URL and secret when it still exists. */
  async redeliver(id: string): Promise<DeliveryRecord | undefined> {
    const record = this.delivery(id);
    if (!record) return undefined;
    const hook = this.currentHooks().find((h) => h.id === record.hook);
    return this.loopFor(record.hook).redeliver(id, hook ? { url: hook.url, secret: hook.secret, format: hook.format } : undefined);
  }

  /** Resolves when every delivery queued so far is on disk. */
  async flushed(): Promise<void> {
    await Promise.all([this.routeWrites, ...[...this.loops.values()].map((loop) => loop.flushed())]);
  }

  private *allRecords(): Iterable<DeliveryRecord> {
    for (const loop of this.loops.values()) yield* loop.deliveries;
  }

  private adopt(hooks: HookSpec[], save: boolean): void {
    const key = JSON.stringify(hooks);
    if (key === this.routesKey) return;
    this.routes = hooks;
    this.routesKey = key;
    if (!save) return;
    this.routeWrites = this.routeWrites
      .then(() => this.options.outbox.saveRoutes(hooks))
      .catch((error: unknown) => this.options.logger.warn('hook routes not saved', { error: errorMessage(error) }));
  }

  private loopFor(hook: string): HookLoop {
    let loop = this.loops.get(hook);
    if (!loop) {
      // A hook with nothing stored yet (every stored outbox was loaded by start()).
      loop = new HookLoop(hook, [], this.loopOptions());
      this.loops.set(hook, loop);
      if (!this.stopped) loop.start();
    }
    return loop;
  }

  private loopOptions() {
    const { outbox, sender, logger } = this.options;
    return { outbox, sender, logger, policy: this.policy, keepFinished: this.options.keepFinished ?? 500 };
  }
}
