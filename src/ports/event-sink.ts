// What Opus tells the outside world. Services emit; an adapter delivers (signed, retried, in order).

import type { EventName } from '../domain/events.js';

// The list of names lives in the domain (the hooks schema validates against it).
export { EVENT_NAMES, type EventName } from '../domain/events.js';

export interface OpusEvent {
  event: EventName;
  /** ISO time the event happened. */
  at: string;
  project?: string;
  version?: string;
  /** The source commit of the version, when known. */
  commit?: string;
  /** The version that was live before (deploy, rollback). */
  previousVersion?: string;
  /** The config repo commit the sync read. */
  configCommit?: string;
  /** Human-readable reason for failures and invalid config. */
  message?: string;
  durationMs?: number;
  problems?: { file: string; path: string; message: string }[];
}

export interface EventSink {
  emit(event: Omit<OpusEvent, 'at'>): void;
}

export const noEvents: EventSink = { emit: () => undefined };
