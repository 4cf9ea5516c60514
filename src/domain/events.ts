// The names of the events Opus tells the outside world about. Pure: the event sink port, the
// desired-state schema (hooks pick events by name) and the hook payload all use this one list.

export const EVENT_NAMES = [
  'build.queued',
  'build.started',
  'build.succeeded',
  'build.failed',
  'build.cancelled',
  'deploy.succeeded',
  'deploy.failed',
  'rollback',
  'config.invalid',
  'sync.failed',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];
