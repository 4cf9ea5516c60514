// One delivery of one event to one hook, and how each attempt changes it. Pure: the outbox stores
// these records, the delivery loop sends them, the API lists them.
import { backoffDelayMs, shouldGiveUp, type RetryPolicy } from './backoff.js';
import type { EventName } from './events.js';
import type { HookPayload } from './hooks.js';
import type { SecretRef } from './schema.js';
import type { HookFormat } from './hook-format.js';

/** pending: waiting for its turn or its next attempt; delivered: a 2xx came back; failed: given up. */
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryRecord {
  /** X-Opus-Delivery: unique per event and hook, the same at every attempt and redelivery. */
  id: string;
  /** Position in the hook's outbox: deliveries of one hook go out in this order. */
  seq: number;
  hook: string;
  hookName?: string;
  url: string;
  /** Absent for a chat-format hook without one: sent unsigned. */
  secret?: SecretRef;
  /** The body's format (absent: Opus's own). */
  format?: HookFormat;
  event: EventName;
  payload: HookPayload;
  status: DeliveryStatus;
  createdAt: string;
  /** When the current series of attempts began: the event, or the last redelivery. */
  seriesStartedAt: string;
  /** Attempts in the current series. */
  attempts: number;
  redeliveries: number;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  /** HTTP status of the last answer, if one came. */
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
  failedAt?: string;
}

export interface AttemptResult {
  /** The receiver's HTTP status, when it answered. */
  status?: number;
  /** Why the attempt failed: a network error, a timeout, a non-2xx answer, a missing secret. */
  error?: string;
}

export type NewDelivery = Omit<DeliveryRecord, 'seq' | 'status' | 'seriesStartedAt' | 'attempts' | 'redeliveries'>;

export function newDelivery(input: NewDelivery, seq: number): DeliveryRecord {
  return { ...input, seq, status: 'pending', seriesStartedAt: input.createdAt, attempts: 0, redeliveries: 0 };
}

export function succeeded(result: AttemptResult): boolean {
  return result.status !== undefined && result.status >= 200 && result.status < 300;
}

/** The record after one attempt: delivered on a 2xx; else given up, or scheduled again with backoff. */
export function afterAttempt(record: DeliveryRecord, result: AttemptResult, nowMs: number, policy: RetryPolicy, random: () => number = Math.random): DeliveryRecord {
  const now = new Date(nowMs).toISOString();
  const { nextAttemptAt: _next, lastStatus: _status, lastError: _error, ...rest } = record;
  const next: DeliveryRecord = {
    ...rest,
    attempts: record.attempts + 1,
    lastAttemptAt: now,
    ...(result.status === undefined ? {} : { lastStatus: result.status }),
    ...(result.error === undefined ? {} : { lastError: result.error }),
  };
  if (succeeded(result)) return { ...next, status: 'delivered', deliveredAt: now };
  if (shouldGiveUp(next.attempts, Date.parse(record.seriesStartedAt), nowMs, policy)) return { ...next, status: 'failed', failedAt: now };
  return { ...next, nextAttemptAt: new Date(nowMs + backoffDelayMs(next.attempts, policy, random)).toISOString() };
}

/** A new series of attempts, due now, for the same delivery id; `target` is the hook's current URL and secret. */
export function redelivered(record: DeliveryRecord, nowMs: number, target?: { url: string; secret?: SecretRef | undefined; format?: HookFormat | undefined }): DeliveryRecord {
  const { nextAttemptAt: _next, deliveredAt: _delivered, failedAt: _failed, ...rest } = record;
  const now = new Date(nowMs).toISOString();
  return { ...rest, ...(target ? { url: target.url, ...(target.secret ? { secret: target.secret } : {}), ...(target.format ? { format: target.format } : {}) } : {}), status: 'pending', attempts: 0, seriesStartedAt: now, redeliveries: record.redeliveries + 1 };
}

export interface DeliveryFilter {
  /** A hook's id or name. */
  hook?: string;
  status?: DeliveryStatus;
  limit?: number;
}

/** What the API shows of a delivery: not the URL (it may hold a token), the secret reference or the body. */
export type DeliveryView = Omit<DeliveryRecord, 'url' | 'secret' | 'payload'> & { project: string | null; version: string | null };

export function deliveryView(record: DeliveryRecord): DeliveryView {
  const { url: _url, secret: _secret, format: _format, payload, ...rest } = record;
  return { ...rest, project: payload.project, version: payload.version };
}

/** One delivery in full for the API: its body too, still without the URL and the secret reference. */
export function deliveryDetail(record: DeliveryRecord): Omit<DeliveryRecord, 'url' | 'secret'> {
  const { url: _url, secret: _secret, ...rest } = record;
  return rest;
}

/** Newest first, filtered, at most `limit` (default 50). */
export function selectDeliveries(records: Iterable<DeliveryRecord>, filter: DeliveryFilter): DeliveryRecord[] {
  const matching = [...records].filter(
    (r) => (filter.hook === undefined || r.hook === filter.hook || r.hookName === filter.hook) && (filter.status === undefined || r.status === filter.status),
  );
  matching.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.seq - a.seq);
  return matching.slice(0, filter.limit ?? 50);
}
