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
  'preview.ready',
  'preview.failed',
  'preview.removed',
] as const;

export type EventName = (typeof EVENT_NAMES)[number];

/** What a service emitted; a hook receives these fields. */
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
  problems?: { file: string; path: string; message: string; line?: number }[];
  /** Previews: which one (pr-<n> or a branch's label) and where it is served. */
  preview?: { alias: string; kind: 'pr' | 'branch'; number?: number; branch?: string; url?: string };
}
