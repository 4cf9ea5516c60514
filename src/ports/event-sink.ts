// What Opus tells the outside world. Services emit; an adapter delivers (signed, retried, in order).

import type { OpusEvent } from '../domain/events.js';

// The names and the event's fields live in the domain (the hooks schema and the hook payload use them).
export { EVENT_NAMES, type EventName, type OpusEvent } from '../domain/events.js';

export interface EventSink {
  emit(event: Omit<OpusEvent, 'at'>): void;
}

export const noEvents: EventSink = { emit: () => undefined };
